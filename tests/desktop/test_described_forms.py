"""The forms take their defaults, ranges and choices from the backend's DescribeJobKinds answer: a real backend's
answer is this client's table, and a backend with other limits (as a remote one may have) is what a form then
defaults to, enforces and sizes its widgets by."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.client import Connection
from desktop.client.embedded import EmbeddedBackend
from desktop.models.batch_form_model import FORM_AUTO_TILE, BatchFormModel
from desktop.models.described import kind_from_proto
from desktop.models.detection_form import DetectionFormModel
from desktop.models.synth_form import SynthFormModel
from desktop.models.train_form import TrainFormModel
from desktop.qt.dialogs.synth_fields import FieldSet
from desktop.qt.views.batch_form import BatchForm
from desktop.qt.views.detection_form import DetectionForm
from desktop.qt.views.train_form import TrainForm
from omni_core.jobkinds import JOB_KINDS, RESTORE_BATCH, SYNTH_DETECTION
from protos.omni.v1 import jobs_pb2


def _described(backend: EmbeddedBackend) -> dict[str, jobs_pb2.JobKindDescription]:
    with Connection(backend.target) as connection:
        first = connection.job_kinds()
        assert connection.job_kinds() is first  # asked once per connection
        return first


def _narrowed(kind: jobs_pb2.JobKindDescription, name: str, **changes: object) -> jobs_pb2.JobKindDescription:
    """``kind`` as a backend with other limits for ``name`` would describe it."""
    changed = jobs_pb2.JobKindDescription()
    changed.CopyFrom(kind)
    param = next(p for p in changed.parameters if p.name == name)
    for field, value in changes.items():
        getattr(param, field).CopyFrom(value) if isinstance(value, jobs_pb2.ParameterValue) else setattr(
            param, field, value
        )
    return changed


def test_the_answer_of_a_real_backend_reads_back_as_the_table(backend: EmbeddedBackend) -> None:
    described = _described(backend)
    assert {name: kind_from_proto(kind) for name, kind in described.items()} == JOB_KINDS


def test_training_forms_default_to_refuse_and_clamp_by_the_description(backend: EmbeddedBackend, qtbot: QtBot) -> None:
    described = _described(backend)
    remote = _narrowed(
        described["train_restoration"],
        "epochs",
        default_value=jobs_pb2.ParameterValue(int_value=7),
        maximum=jobs_pb2.ParameterValue(int_value=50),
    )
    model = TrainFormModel()
    form = TrainForm(model)
    qtbot.addWidget(form)
    model.set("batch_size", 2)  # edited before the answer: kept
    model.set_description(kind_from_proto(remote))
    assert model.fields.epochs == 7 and model.fields.batch_size == 2
    assert form.epochs.maximum() == 50 and form.epochs.value() == 7
    form.epochs.setValue(60)  # the widget clamps to the described range
    assert form.epochs.value() == 50 and model.fields.epochs == 50
    model.set("epochs", 60)  # a value set past the widget is refused by the check
    model.set("data", "pairs")
    assert model.validate() == {"epochs": "must be between 1 and 50, got 60"}
    assert form.patch.minimum() == 16 and form.max_pairs.specialValueText() == "all"

    detection = DetectionFormModel()
    detection_form = DetectionForm(detection)
    qtbot.addWidget(detection_form)
    detection.set_description(kind_from_proto(_narrowed(described["train_detection"], "imgsz", multiple_of=64)))
    detection.set("dataset", "d")
    detection.set("imgsz", 96)
    assert detection.validate() == {"imgsz": "must be a multiple of 64 between 32 and 4096, got 96"}
    assert detection_form.imgsz.maximum() == 4096


def test_the_synthetic_form_takes_the_described_limits(backend: EmbeddedBackend, qtbot: QtBot) -> None:
    described = _described(backend)
    model = SynthFormModel()
    fields = FieldSet(model, "detection")
    qtbot.addWidget(fields.max_objects)
    assert fields.max_objects.maximum() == SYNTH_DETECTION["max_objects"].maximum
    remote = _narrowed(described["synth_detection"], "max_objects", maximum=jobs_pb2.ParameterValue(int_value=10))
    model.set_parameters("detection", kind_from_proto(remote))
    fields.load()
    assert fields.max_objects.maximum() == 10
    model.set_kind("detection")
    model.set("max_objects", 11)
    assert model.validate() == {"max_objects": "must be between 1 and 10, got 11"}
    crop = FieldSet(model, "restoration").crop
    qtbot.addWidget(crop)
    assert (crop.minimum(), crop.specialValueText()) == (0, "whole image")


def test_the_batch_form_defaults_to_refuses_and_sizes_by_the_description(
    backend: EmbeddedBackend, qtbot: QtBot
) -> None:
    described = _described(backend)
    remote = _narrowed(
        described["restore_batch"],
        "quality",
        default_value=jobs_pb2.ParameterValue(int_value=80),
        maximum=jobs_pb2.ParameterValue(int_value=90),
    )
    remote = _narrowed(remote, "tile", maximum=jobs_pb2.ParameterValue(int_value=1024))
    formats = next(p for p in remote.parameters if p.name == "format")
    del formats.choices[:]
    formats.choices.extend(["same", "png"])
    model = BatchFormModel()
    form = BatchForm(model)
    qtbot.addWidget(form)
    tile = RESTORE_BATCH["tile"]
    assert (form.tile.maximum(), form.quality.maximum()) == (tile.maximum, 100)  # this client's table until then
    assert form.format.count() == len(RESTORE_BATCH["format"].choices)
    model.set("overlap", 16)  # edited before the answer: kept
    model.set_description(kind_from_proto(remote))
    assert (model.fields.quality, model.fields.overlap, model.fields.tile) == (80, 16, FORM_AUTO_TILE)
    assert (form.quality.maximum(), form.quality.value(), form.overlap.value()) == (90, 80, 16)
    assert (form.tile.maximum(), form.overlap.maximum()) == (1024, 512)
    assert [form.format.itemData(i) for i in range(form.format.count())] == ["same", "png"]
    form.quality.setValue(95)  # the widget clamps to the described range
    assert form.quality.value() == 90 and model.fields.quality == 90
    form.tile.setValue(1024)
    form.tile.stepBy(1)  # no side past the described maximum
    assert model.fields.tile == 1024
    for name, value in (("input", "/in"), ("out", "/out"), ("quality", 95), ("tile", 2048), ("format", "webp")):
        model.set(name, value)  # values set past the widgets are refused by the check
    assert model.validate() == {
        "quality": "must be between 1 and 90, got 95",
        "tile": "must be between 64 and 1024 px, auto, or 0 for whole images; got 2048",
        "format": "unknown format 'webp'; choose one of same, png",
    }
