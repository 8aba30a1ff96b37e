"""The "Start training" form: its fields with the backend's defaults, checks that mirror the server's,
and the JobSpec it submits.

The checks only save a round trip; the server checks again (``backend/restoration/params.py``) and its
INVALID_ARGUMENT's field violations land next to the same fields through ``apply_server_error``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from desktop.models.events import Event
from desktop.models.form_errors import FormErrors, FormInvalid
from protos.omni.v1 import jobs_pb2, training_pb2

LAYERS = (1, 2)
LAYER_NAMES = {1: "Layer 1 — fast CNN", 2: "Layer 2 — Restormer"}
PRESETS = ("tiny", "mini", "small", "base")
DEVICES = ("auto", "cpu", "cuda")
LOSSES = ("charbonnier", "charbonnier+ssim", "l1")
DOMAINS = ("photo", "document")  # the backend's degradation presets (backend/synthetic/realistic/presets.py)
MAX_EPOCHS = 100_000
MAX_BATCH = 4096
MIN_PATCH, MAX_PATCH = 16, 2048
MAX_SEED = 2**63 - 1
MAX_MINUTES = 7 * 24 * 60.0  # the widget's limit; the server only refuses negative budgets


@dataclass
class TrainFields:
    """One value per TrainRestorationSpec field the form offers, named as in the proto."""

    data: str = ""
    layer: int = 2
    preset: str = "tiny"
    epochs: int = 10
    batch_size: int = 4
    lr: float = 1e-4
    patch: int = 128
    val_split: float = 0.1
    max_pairs: int = 0  # 0 = all
    device: str = "auto"
    loss: str = "charbonnier"
    seed: int = 0
    max_minutes: float = 0.0  # 0 = no limit
    clean: str = ""  # a folder of clean images degraded on the fly, instead of ``data``
    domain: str = DOMAINS[0]  # with ``clean``: the degradation preset, recorded in the model card
    whiten_paper: bool = False  # with ``clean`` documents: the targets' paper made white


FIELD_NAMES = tuple(f.name for f in dataclasses.fields(TrainFields))


def check_fields(f: TrainFields) -> dict[str, str]:
    """Field -> message for every value the server would refuse, with the server's wording."""
    errors: dict[str, str] = {}
    if not f.data.strip() and not f.clean.strip():
        errors["data"] = "a folder is required"
    elif f.data.strip() and f.clean.strip():
        errors["data"] = "give either a folder of pairs (data) or of clean images (clean)"
    if f.domain not in DOMAINS:
        errors["domain"] = f"unknown domain {f.domain!r}; choose one of {', '.join(DOMAINS)}"
    if f.whiten_paper and not (f.clean.strip() and f.domain == "document"):
        errors["whiten_paper"] = "applies to document training from clean images (clean with domain document)"
    if f.layer not in LAYERS:
        errors["layer"] = "must be 1 or 2"
    if f.preset not in PRESETS:
        errors["preset"] = f"unknown preset {f.preset!r}; choose one of {', '.join(PRESETS)}"
    if not 1 <= f.epochs <= MAX_EPOCHS:
        errors["epochs"] = f"must be between 1 and {MAX_EPOCHS}, got {f.epochs}"
    if not 1 <= f.batch_size <= MAX_BATCH:
        errors["batch_size"] = f"must be between 1 and {MAX_BATCH}, got {f.batch_size}"
    if math.isnan(f.lr):
        errors["lr"] = "enter a number, e.g. 1e-4"
    elif not (math.isfinite(f.lr) and 0 < f.lr <= 1):
        errors["lr"] = f"must be in (0, 1], got {f.lr:g}"
    if not MIN_PATCH <= f.patch <= MAX_PATCH:
        errors["patch"] = f"must be between {MIN_PATCH} and {MAX_PATCH}, got {f.patch}"
    if not 0 < f.val_split < 1:
        errors["val_split"] = f"must be between 0 and 1 (exclusive), got {f.val_split:g}"
    if f.max_pairs < 0:
        errors["max_pairs"] = f"must not be negative, got {f.max_pairs}"
    if f.device not in DEVICES:
        errors["device"] = f"unknown device {f.device!r}; choose one of {', '.join(DEVICES)}"
    if f.loss not in LOSSES:
        errors["loss"] = f"unknown loss {f.loss!r}; choose one of {', '.join(LOSSES)}"
    if not 0 <= f.seed <= MAX_SEED:
        errors["seed"] = f"must be between 0 and {MAX_SEED}, got {f.seed}"
    if not (math.isfinite(f.max_minutes) and f.max_minutes >= 0):
        errors["max_minutes"] = f"must not be negative, got {f.max_minutes:g}"
    return errors


class TrainFormModel(FormErrors):
    def __init__(self) -> None:
        super().__init__()
        self.fields = TrainFields()
        self.changed: Event[[]] = Event()

    def field_names(self) -> tuple[str, ...]:
        return FIELD_NAMES

    def spec_prefix(self) -> str:
        return "train_restoration."

    def set(self, name: str, value: Any) -> None:
        """Set one field; its error goes away until the next check."""
        if name not in FIELD_NAMES:
            raise KeyError(f"TrainFields has no field {name!r}")
        current = getattr(self.fields, name)
        if current == value or (isinstance(value, float) and math.isnan(value) and math.isnan(current)):
            return
        setattr(self.fields, name, value)
        self._clear_error(name)
        self.changed.emit()

    # -- checks ---------------------------------------------------------------------------------------

    def validate(self) -> dict[str, str]:
        errors = check_fields(self.fields)
        self._set_errors(errors, "")
        return errors


    # -- protobuf -------------------------------------------------------------------------------------

    def spec(self) -> training_pb2.TrainRestorationSpec:
        f = self.fields
        return training_pb2.TrainRestorationSpec(
            data=f.data.strip(),
            layer=f.layer,
            epochs=f.epochs,
            batch_size=f.batch_size,
            lr=f.lr,
            max_pairs=f.max_pairs,
            patch=f.patch,
            val_split=f.val_split,
            preset=f.preset,
            device=f.device,
            loss=f.loss,
            seed=f.seed,
            max_minutes=f.max_minutes,
            clean=f.clean.strip(),
            domain=f.domain if f.clean.strip() else "",
            whiten_paper=f.whiten_paper,
        )

    def job_spec(self) -> jobs_pb2.JobSpec:
        """The JobSpec to submit; raises FormInvalid (and shows the errors) if a field is wrong."""
        errors = self.validate()
        if errors:
            raise FormInvalid(errors)
        return jobs_pb2.JobSpec(train_restoration=self.spec())
