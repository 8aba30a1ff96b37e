"""The "Start training" form: its fields with the backend's described defaults (DescribeJobKinds; this client's
``omni_core.jobkinds`` table until the answer arrives), the described checks, and the JobSpec it submits.

The checks only save a round trip; the server checks again (``backend/restoration/params.py``) and its
INVALID_ARGUMENT's field violations land next to the same fields through ``apply_server_error``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

from desktop.models.described_form import DescribedForm
from desktop.models.form_errors import FormInvalid
from omni_core.jobkinds import TRAIN_RESTORATION, JobKind
from omni_core.tiers import auto_preset_problem, layer_and_preset
from protos.omni.v1 import jobs_pb2, models_pb2, training_pb2

LAYER_NAMES = {1: "Layer 1 — fast CNN", 2: "Layer 2 — Restormer"}


@dataclass
class TrainFields:
    """One value per TrainRestorationSpec field the form offers, named as in the proto; ``of(kind)`` gives the
    described defaults."""

    data: str = ""
    layer: int = 0
    preset: str = ""
    epochs: int = 0
    batch_size: int = 0
    lr: float = 0.0
    patch: int = 0
    val_split: float = 0.0
    max_pairs: int = 0
    device: str = ""
    loss: str = ""
    seed: int = 0
    max_minutes: float = 0.0
    clean: str = ""  # a folder of clean images degraded on the fly, instead of ``data``
    domain: str = ""  # with ``clean``: the degradation preset, recorded in the model card
    whiten_paper: bool = False  # with ``clean`` documents: the targets' paper made white
    tier: str = ""  # fast | quality; "" = by layer
    teacher: str = ""  # a restoration version to distil from; "" = none
    distill_weight: float = 0.0  # with a teacher: the share of the loss against its output; sent only with one
    start_from: str = ""  # a restoration version to fine-tune; its network replaces layer and preset

    @classmethod
    def of(cls, kind: JobKind) -> TrainFields:
        values: dict[str, Any] = {name: kind[name].default for name in FIELD_NAMES if name in kind.names()}
        return cls(**values)


FIELD_NAMES = tuple(f.name for f in dataclasses.fields(TrainFields))
#: the fields whose values the described parameters check alone (the rest depend on each other)
CHECKED = (
    "layer",
    "preset",
    "epochs",
    "batch_size",
    "lr",
    "patch",
    "val_split",
    "max_pairs",
    "device",
    "loss",
    "seed",
    "max_minutes",
    "tier",
)
#: the fields a fine-tuning run takes from its starting version
NETWORK = ("layer", "preset")


def layer_choices(kind: JobKind) -> list[tuple[str, int]]:
    """The layers the backend accepts, each with its name."""
    spec = kind["layer"]
    return [(LAYER_NAMES.get(n, f"Layer {n}"), n) for n in range(spec.int_min, spec.int_max + 1)]


def tier_choices(kind: JobKind) -> list[tuple[str, str]]:
    """The tiers the backend accepts, after its "not given" (by layer), each as (label, value)."""
    if "tier" not in kind.names():
        return []
    spec = kind["tier"]
    return [(meaning, str(value)) for value, meaning in spec.specials] + [(name, name) for name in spec.choices]


def check_fields(f: TrainFields, kind: JobKind = TRAIN_RESTORATION) -> dict[str, str]:
    """Field -> message for every value the server would refuse, with the server's wording."""
    errors: dict[str, str] = {}
    if not f.data.strip() and not f.clean.strip():
        errors["data"] = "a folder is required"
    elif f.data.strip() and f.clean.strip():
        errors["data"] = "give either a folder of pairs (data) or of clean images (clean)"
    if f.whiten_paper and not (f.clean.strip() and f.domain == "document"):
        errors["whiten_paper"] = "applies to document training from clean images (clean with domain document)"
    tunes = fine_tunes(f, kind)
    if not tunes and (auto := auto_preset_problem(f.preset, f.layer, f.tier)):
        errors["preset"] = auto
    for name in (*CHECKED, "domain") if f.clean.strip() else CHECKED:
        if name not in kind.names() or (tunes and name in NETWORK):  # older backend; the start's network
            continue
        problem = kind.problem(name, getattr(f, name))
        if problem:
            errors[name] = problem
    if math.isnan(f.lr):
        errors["lr"] = "enter a number, e.g. 1e-4"
    if distills(f, kind) and (problem := kind.problem("distill_weight", f.distill_weight)):
        errors["distill_weight"] = problem
    return errors


def start_refusal(model: models_pb2.ModelVersion) -> str:
    """Why a training run cannot start from ``model`` ("" = it can): it needs a restoration model's PyTorch
    weights, as the backend checks at submit time."""
    if model.kind != "restoration":
        return f"{model.version} is not a restoration model"
    return "" if "weights" in model.files else f"{model.version} has no PyTorch weights"


def fine_tunes(f: TrainFields, kind: JobKind) -> bool:
    """The run starts from a registered version, whose network it keeps: layer and preset are not sent."""
    return bool(f.start_from.strip()) and "start_from" in kind.names()


def distills(f: TrainFields, kind: JobKind) -> bool:
    """The run has a teacher and the backend takes a distillation weight (its field is enabled and sent)."""
    return bool(f.teacher.strip()) and "distill_weight" in kind.names()


class TrainFormModel(DescribedForm[TrainFields]):
    def __init__(self, kind: JobKind = TRAIN_RESTORATION) -> None:
        super().__init__(kind, TrainFields.of)

    def field_names(self) -> tuple[str, ...]:
        return FIELD_NAMES

    def spec_prefix(self) -> str:
        return "train_restoration."

    # -- checks ---------------------------------------------------------------------------------------

    def validate(self) -> dict[str, str]:
        errors = check_fields(self.fields, self.kind)
        self._set_errors(errors, "")
        return errors

    def show_start(self, model: models_pb2.ModelVersion) -> None:
        """The version named in ``start_from``, as the backend describes it: the layer and preset fields show its
        network (a fine-tuning run keeps it; they are not sent), or ``start_from`` says why it cannot start a run."""
        if model.version != self.fields.start_from.strip():
            return  # the field changed while the backend was asked
        if refusal := start_refusal(model):
            self.start_refused(model.version, refusal)
            return
        layer, preset = layer_and_preset(model.layer, str(json.loads(model.card_json or "{}").get("preset", "")))
        self.fields.layer = layer or self.fields.layer
        self.fields.preset = preset or self.fields.preset
        self.changed.emit()

    def start_refused(self, version: str, message: str) -> None:
        """The backend could not describe the version named in ``start_from`` (e.g. there is none of that name)."""
        if version == self.fields.start_from.strip():
            self._set_errors({**self.errors, "start_from": message}, self.general_error)

    # -- protobuf -------------------------------------------------------------------------------------

    def spec(self) -> training_pb2.TrainRestorationSpec:
        f = self.fields
        tunes = fine_tunes(f, self.kind)
        return training_pb2.TrainRestorationSpec(
            data=f.data.strip(),
            layer=0 if tunes else f.layer,  # 0 and "": the starting version's
            epochs=f.epochs,
            batch_size=f.batch_size,
            lr=f.lr,
            max_pairs=f.max_pairs,
            patch=f.patch,
            val_split=f.val_split,
            preset="" if tunes else f.preset,
            device=f.device,
            loss=f.loss,
            seed=f.seed,
            max_minutes=f.max_minutes,
            clean=f.clean.strip(),
            domain=f.domain if f.clean.strip() else "",
            whiten_paper=f.whiten_paper,
            tier=f.tier,
            teacher=f.teacher.strip(),
            # without a teacher the backend refuses a weight: 0 = not given
            distill_weight=f.distill_weight if distills(f, self.kind) else 0.0,
            start_from=f.start_from.strip() if tunes else "",
        )

    def job_spec(self) -> jobs_pb2.JobSpec:
        """The JobSpec to submit; raises FormInvalid (and shows the errors) if a field is wrong."""
        errors = self.validate()
        if errors:
            raise FormInvalid(errors)
        return jobs_pb2.JobSpec(train_restoration=self.spec())
