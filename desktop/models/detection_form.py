"""The "Start training" form for a detector: its fields with the CLI's defaults (``omni train detection``),
checks that mirror the server's, and the ``train_detection`` JobSpec it submits.

Same shape as ``TrainFormModel`` (restoration): the server checks again and its INVALID_ARGUMENT
(its field violations) lands next to the field each names through ``apply_server_error``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from desktop.models.events import Event
from desktop.models.form_errors import FormErrors, FormInvalid
from protos.omni.v1 import detection_pb2, jobs_pb2

SOURCES = ("dataset", "data")  # a dataset of the backend, or a YOLO data.yaml
MODELS = ("yolo11n.yaml", "yolo11s.yaml")  # from scratch; a .pt path or a detector version is typed instead
PRESETS = ("standard", "few_photos")
PRESET_NAMES = {"standard": "standard (Ultralytics' defaults)", "few_photos": "few photos (heavy augmentation)"}
DEVICES = ("auto", "cpu", "cuda", "mps")
MAX_EPOCHS = 100_000
MAX_BATCH = 4096
MIN_IMGSZ, MAX_IMGSZ = 32, 8192


@dataclass
class DetectionFields:
    """One value per TrainDetectionSpec field the form offers (``source`` says which of dataset/data)."""

    source: str = "dataset"
    dataset: str = ""
    data: str = ""
    model: str = "yolo11n.yaml"
    epochs: int = 100
    imgsz: int = 640
    batch: int = 16
    device: str = "auto"
    preset: str = "standard"


FIELD_NAMES = tuple(f.name for f in dataclasses.fields(DetectionFields))


def check_fields(f: DetectionFields) -> dict[str, str]:
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
    if not 1 <= f.epochs <= MAX_EPOCHS:
        errors["epochs"] = f"must be between 1 and {MAX_EPOCHS}, got {f.epochs}"
    if not MIN_IMGSZ <= f.imgsz <= MAX_IMGSZ or f.imgsz % 32:
        errors["imgsz"] = f"must be a multiple of 32 between {MIN_IMGSZ} and {MAX_IMGSZ}, got {f.imgsz}"
    if not 1 <= f.batch <= MAX_BATCH:
        errors["batch"] = f"must be between 1 and {MAX_BATCH}, got {f.batch}"
    if not f.device.strip():
        errors["device"] = "choose a device (auto, cpu, cuda, cuda:N, N or mps)"
    if f.preset not in PRESETS:
        errors["preset"] = f"unknown preset {f.preset!r}; choose one of {', '.join(PRESETS)}"
    return errors


class DetectionFormModel(FormErrors):
    def __init__(self) -> None:
        super().__init__()
        self.fields = DetectionFields()
        self.datasets: list[str] = []  # the backend's datasets, for the dataset field's list
        self.changed: Event[[]] = Event()

    def field_names(self) -> tuple[str, ...]:
        return FIELD_NAMES

    def spec_prefix(self) -> str:
        return "train_detection."

    def set(self, name: str, value: Any) -> None:
        if name not in FIELD_NAMES:
            raise KeyError(f"DetectionFields has no field {name!r}")
        if getattr(self.fields, name) == value:
            return
        setattr(self.fields, name, value)
        self._clear_error(name)
        self.changed.emit()

    def set_datasets(self, names: list[str]) -> None:
        """The list arrived: the first dataset is chosen if none was."""
        self.datasets = list(names)
        if not self.fields.dataset and names:
            self.fields.dataset = names[0]
        self.changed.emit()

    # -- checks ---------------------------------------------------------------------------------------

    def validate(self) -> dict[str, str]:
        errors = check_fields(self.fields)
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
