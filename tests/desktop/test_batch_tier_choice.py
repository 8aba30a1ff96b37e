"""The Batch form's model picker offers the current of each described tier; choosing one sends the tier (and
neither a layer nor a version), choosing a version again clears it."""

from __future__ import annotations

from pathlib import Path

from desktop.models.batch_form_model import CURRENT, BatchFormModel, model_choices
from omni_core.jobkinds import RESTORE_BATCH
from protos.omni.v1 import models_pb2


def test_tier_choices_send_the_tier(tmp_path: Path) -> None:
    version = models_pb2.ModelVersion(version="restoration_layer1_20260101_000000", kind="restoration",
                                      layer="layer_1", tier="fast")  # fmt: skip
    form = BatchFormModel()
    assert form.tiers() == RESTORE_BATCH["tier"].choices == ("fast", "quality")
    choices = model_choices([version], form.tiers())
    tiers = [choice for choice in choices if choice.tier]
    assert [(c.tier, c.model, c.layer) for c in tiers] == [("fast", CURRENT, 0), ("quality", CURRENT, 0)]
    assert "Current fast" in tiers[0].label and "fast" in choices[-1].label  # a version's label names its tier
    form.set("input", str(tmp_path / "in"))
    form.set("out", str(tmp_path / "out"))
    form.choose_model(tiers[1])
    spec = form.spec()
    assert (spec.tier, spec.model, spec.layer) == ("quality", CURRENT, 0)
    assert form.remote_request().options.tier == "quality"
    form.choose_model(choices[-1])
    spec = form.spec()
    assert (spec.tier, spec.model) == ("", version.version)
    assert form.validate() == {}
