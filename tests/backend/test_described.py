"""The job kinds table agrees with what the backend's own modules implement (presets, formats, providers)."""

from __future__ import annotations

from backend.detection.augment import PRESETS as AUGMENT_PRESETS
from backend.detection.params import DONE_STATUS
from backend.synthetic.realistic.presets import DEFAULT_DOMAIN, DOMAINS
from omni_core.batch.formats import FORMAT_CHOICES
from omni_core.jobkinds import RESTORE_BATCH, SYNTH_RESTORATION, TRAIN_DETECTION, TRAIN_RESTORATION
from omni_core.jobkinds.common import PROVIDERS
from omni_core.providers import SHORT_NAMES
from protos.omni.v1 import datasets_pb2


def test_the_choices_are_what_the_backend_implements() -> None:
    for kind in (TRAIN_RESTORATION, SYNTH_RESTORATION):
        assert kind["domain"].choices == DOMAINS and kind["domain"].default == DEFAULT_DOMAIN
    assert RESTORE_BATCH["format"].choices == FORMAT_CHOICES
    assert TRAIN_DETECTION["preset"].choices == tuple(AUGMENT_PRESETS)
    assert tuple(SHORT_NAMES) == PROVIDERS
    statuses = TRAIN_DETECTION["statuses"]
    for name in statuses.choices:
        datasets_pb2.ImageStatus.Value(f"IMAGE_STATUS_{name.upper()}")  # each is an ImageStatus
    assert [datasets_pb2.ImageStatus.Value(f"IMAGE_STATUS_{n.upper()}") for n in statuses.default] == [DONE_STATUS]
