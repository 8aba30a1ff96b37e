"""TrainFormModel: the backend's defaults, checks with the server's wording, server errors on their field."""

from __future__ import annotations

import json
import math

import pytest

from desktop.models import FormInvalid
from desktop.models.train_form import TrainFormModel, check_fields
from omni_core.tiers import auto_preset_problem
from protos.omni.v1 import models_pb2
from tests.desktop.refusals import field_refusal


def test_defaults_are_the_backends() -> None:
    form = TrainFormModel()
    f = form.fields
    assert (f.layer, f.preset, f.epochs, f.batch_size, f.lr, f.patch, f.val_split) == (2, "tiny", 10, 4, 1e-4, 128, 0.1)
    assert (f.max_pairs, f.device, f.seed, f.max_minutes) == (0, "auto", 0, 0.0)
    assert form.validate() == {"data": "a folder is required"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("layer", 3, "must be 1 or 2, got 3"),
        ("epochs", 0, "must be between 1 and 100000, got 0"),
        ("batch_size", 5000, "must be between 1 and 4096, got 5000"),
        ("lr", 0.0, "must be in (0, 1], got 0"),
        ("lr", 2.0, "must be in (0, 1], got 2"),
        ("lr", math.nan, "enter a number, e.g. 1e-4"),
        ("patch", 8, "must be between 16 and 2048, got 8"),
        ("val_split", 1.0, "must be in (0, 1), got 1"),
        ("max_pairs", -1, "must be between 0 and 2147483647 (0 = all), got -1"),
        ("preset", "huge", "unknown preset 'huge'; choose one of tiny, mini, small, base, auto"),
        ("device", "tpu", "unknown device 'tpu'; choose one of auto, cpu, cuda"),
        ("max_minutes", -1.0, "must be between 0 and 1e+06 (0 = no limit), got -1"),
    ],
)
def test_each_check(name: str, value: object, message: str) -> None:
    form = TrainFormModel()
    form.set("data", "training-data")
    form.set(name, value)
    assert check_fields(form.fields) == {name: message}


def test_job_spec_carries_every_field() -> None:
    form = TrainFormModel()
    with pytest.raises(FormInvalid) as raised:
        form.job_spec()
    assert raised.value.errors == {"data": "a folder is required"}
    for name, value in {
        "data": "  /data/pairs ",
        "layer": 1,
        "preset": "small",
        "epochs": 2,
        "batch_size": 8,
        "lr": 3e-4,
        "patch": 32,
        "val_split": 0.2,
        "max_pairs": 50,
        "device": "cpu",
        "loss": "charbonnier+ssim",
        "seed": 7,
        "max_minutes": 1.5,
    }.items():
        form.set(name, value)
    spec = form.job_spec().train_restoration
    assert spec.data == "/data/pairs"
    assert (spec.layer, spec.preset, spec.epochs, spec.batch_size, spec.lr) == (1, "small", 2, 8, 3e-4)
    assert (spec.patch, spec.val_split, spec.max_pairs, spec.device, spec.seed, spec.max_minutes) == (
        32,
        0.2,
        50,
        "cpu",
        7,
        1.5,
    )
    assert spec.loss == "charbonnier+ssim"


def test_server_errors_land_on_their_field_and_editing_clears_them() -> None:
    form = TrainFormModel()
    changes: list[int] = []
    form.errors_changed.connect(lambda: changes.append(1))
    form.apply_server_error(field_refusal("data", "'/nope' is not a folder on the backend"))
    form.apply_server_error(field_refusal("spec.train_restoration.layer", "must be 1 or 2"))
    assert form.errors == {"data": "'/nope' is not a folder on the backend", "layer": "must be 1 or 2"}
    form.apply_server_error("the backend is busy")
    assert form.general_error == "the backend is busy"
    form.set("data", "/pairs")
    assert form.errors == {"layer": "must be 1 or 2"} and form.general_error == ""
    assert len(changes) == 4
    with pytest.raises(KeyError):
        form.set("nope", 1)


def test_training_from_clean_images() -> None:
    form = TrainFormModel()
    form.set("clean", " /photos ")
    form.set("domain", "document")
    form.set("whiten_paper", True)
    spec = form.job_spec().train_restoration
    assert (spec.data, spec.clean, spec.domain, spec.whiten_paper) == ("", "/photos", "document", True)
    form.set("domain", "photo")
    assert "document training" in form.validate()["whiten_paper"]
    form.set("whiten_paper", False)
    form.set("data", "/pairs")
    assert form.validate() == {"data": "give either a folder of pairs (data) or of clean images (clean)"}
    form.set("clean", "")
    assert form.job_spec().train_restoration.domain == ""  # a domain goes with clean images only


@pytest.mark.parametrize(
    ("layer", "tier", "refused"),
    [(1, "", False), (1, "fast", False), (1, "quality", True), (2, "", True), (2, "fast", True)],
)
def test_auto_preset_is_flagged_where_the_backend_refuses_it(layer: int, tier: str, refused: bool) -> None:
    """``auto`` measures layer-1 networks against the fast tier's speed: the form says so on the preset before the
    backend is asked (one rule, ``omni_core.tiers.auto_preset_problem``, in both)."""
    form = TrainFormModel()
    form.set("data", "training-data")
    form.set("layer", layer)
    form.set("tier", tier)
    form.set("preset", "auto")
    errors = check_fields(form.fields)
    assert errors == ({"preset": auto_preset_problem("auto", layer, tier)} if refused else {})
    if refused:
        assert errors["preset"].startswith("auto picks the layer-1 network") and f"layer {layer}" in errors["preset"]


def test_a_start_version_shows_its_network_or_why_it_cannot_start_a_run() -> None:
    form = TrainFormModel()
    form.set("data", "pairs")
    form.set("start_from", "restoration_layer1_20260101_000000")
    start = models_pb2.ModelVersion(
        version="restoration_layer1_20260101_000000",
        kind="restoration",
        layer="layer_1",
        files={"weights": "models/layer_1/restoration_layer1_20260101_000000/model.pt"},
        card_json=json.dumps({"preset": "layer1-mini"}),
    )
    form.show_start(models_pb2.ModelVersion(version="another", kind="restoration", layer="layer_2"))
    assert (form.fields.layer, form.fields.preset) == (2, "tiny")  # an answer about a name no longer typed
    form.show_start(start)
    assert (form.fields.layer, form.fields.preset) == (1, "mini") and not form.errors
    sent = form.job_spec().train_restoration
    assert (sent.layer, sent.preset, sent.start_from) == (0, "", start.version)  # the start's network, not sent
    detector = models_pb2.ModelVersion(version="detector_20260101_000000", kind="detector", layer="detector")
    form.set("start_from", detector.version)
    form.show_start(detector)
    assert form.errors["start_from"] == "detector_20260101_000000 is not a restoration model"
    form.start_refused("detector_20260101_000000", "start_from: no model version")
    assert form.errors["start_from"] == "start_from: no model version"
