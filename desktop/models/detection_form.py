"""The "Start training" form for a detector: its fields with the backend's described defaults (as
``TrainFormModel``), checks that mirror the server's, and the ``train_detection`` JobSpec it submits.

Same shape as ``TrainFormModel`` (restoration): the server checks again and its INVALID_ARGUMENT
(its field violations) lands next to the field each names through ``apply_server_error``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from desktop.models.described_form import DescribedForm
from desktop.models.form_errors import FormInvalid
from omni_core.jobkinds import TRAIN_DETECTION, JobKind
from protos.omni.v1 import detection_pb2, jobs_pb2

SOURCES = ("dataset", "data")  # a dataset of the backend, or a YOLO data.yaml
PRESET_NAMES = {"standard": "standard (Ultralytics' defaults)", "few_photos": "few photos (heavy augmentation)"}


@dataclass
class DetectionFields:
    """One value per TrainDetectionSpec field the form offers (``source`` says which of dataset/data);
    ``of(kind)`` gives the described defaults."""

    source: str = "dataset"
    dataset: str = ""
    data: str = ""
    model: str = ""
    epochs: int = 0
    imgsz: int = 0
    batch: int = 0
    device: str = ""
    preset: str = ""

    @classmethod
    def of(cls, kind: JobKind) -> DetectionFields:
        values: dict[str, Any] = {name: kind[name].default for name in FIELD_NAMES if name in kind.names()}
        return cls(**values)


FIELD_NAMES = tuple(f.name for f in dataclasses.fields(DetectionFields))
CHECKED = ("epochs", "imgsz", "batch", "preset")


def preset_choices(kind: JobKind) -> list[tuple[str, object]]:
    return [(PRESET_NAMES.get(p, p.replace("_", " ")), p) for p in kind["preset"].choices]


def check_fields(f: DetectionFields, kind: JobKind = TRAIN_DETECTION) -> dict[str, str]:
    """Field -> message for every value the server would refuse."""
    errors: dict[str, str] = {}
    if f.source == "dataset" and not f.dataset.strip():
        errors["dataset"] = "choose a dataset"
    if f.source == "data":
        data = f.data.strip()
        if not data:
            errors["data"] = "a data.yaml is required"
        elif not data.endswith((".yaml", ".yml")):
            errors["data"] = "must be a YOLO data.yaml"
    if not f.model.strip():
        errors["model"] = "choose an architecture, a .pt file or a detector version"
    if not f.device.strip():
        errors["device"] = f"choose a device ({kind['device'].help})"
    for name in CHECKED:
        problem = kind.problem(name, getattr(f, name))
        if problem:
            errors[name] = problem
    return errors


class DetectionFormModel(DescribedForm[DetectionFields]):
    def __init__(self, kind: JobKind = TRAIN_DETECTION) -> None:
        super().__init__(kind, DetectionFields.of)
        self.datasets: list[str] = []  # the backend's datasets, for the dataset field's list

    def field_names(self) -> tuple[str, ...]:
        return FIELD_NAMES

    def spec_prefix(self) -> str:
        return "train_detection."

    def described_fields(self) -> tuple[str, ...]:
        return tuple(name for name in FIELD_NAMES if name != "source")  # the source is the user's choice

    def set_datasets(self, names: list[str]) -> None:
        """The list arrived: the first dataset is chosen if none was."""
        self.datasets = list(names)
        if not self.fields.dataset and names:
            self.fields.dataset = names[0]
        self.changed.emit()

    # -- checks ---------------------------------------------------------------------------------------

    def validate(self) -> dict[str, str]:
        errors = check_fields(self.fields, self.kind)
        self._set_errors(errors, "")
        return errors

    # -- protobuf -------------------------------------------------------------------------------------

    def spec(self) -> detection_pb2.TrainDetectionSpec:
        f = self.fields
        return detection_pb2.TrainDetectionSpec(
            dataset=f.dataset.strip() if f.source == "dataset" else "",
            data=f.data.strip() if f.source == "data" else "",
            model=f.model.strip(),
            epochs=f.epochs,
            imgsz=f.imgsz,
            batch=f.batch,
            device=f.device.strip(),
            preset=f.preset,
        )

    def job_spec(self) -> jobs_pb2.JobSpec:
        errors = self.validate()
        if errors:
            raise FormInvalid(errors)
        return jobs_pb2.JobSpec(train_detection=self.spec())
