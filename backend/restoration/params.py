"""Parameters of a restoration training run, checked before the job is queued."""

from __future__ import annotations

from dataclasses import dataclass, replace

from omni_core.errors import InvalidArgument
from omni_core.jobkinds import TRAIN_RESTORATION as KIND
from omni_core.jobkinds.checks import check, or_default
from omni_core.tiers import auto_preset_problem, tier_for_layer

DEVICES = KIND["device"].choices
LOSSES = KIND["loss"].choices
PRESETS = KIND["preset"].choices


@dataclass(frozen=True)
class TrainRestorationParams:
    """The fields of ``TrainRestorationSpec``; defaults, ranges and choices are ``KIND``'s (omni_core.jobkinds)."""

    data: str  # folder of clean/ and degraded/ pairs; "" when training from ``clean``
    layer: int = KIND["layer"].int_default
    epochs: int = KIND["epochs"].int_default
    batch_size: int = KIND["batch_size"].int_default
    lr: float = KIND["lr"].float_default
    max_pairs: int = 0  # 0 = all
    patch: int = KIND["patch"].int_default
    val_split: float = KIND["val_split"].float_default
    preset: str = KIND["preset"].str_default
    device: str = KIND["device"].str_default
    seed: int = 0
    loss: str = KIND["loss"].str_default
    num_workers: int = 0  # 0 = sized to the machine, -1 = none (load in the training process)
    max_minutes: float = 0.0  # stop training after this much time (then validate and register); 0 = no limit
    cpu_minutes: float = 0.0  # the same budget in CPU time of the training process: reproducible on a busy machine
    clean: str = ""  # folder of clean images, degraded on the fly every epoch (instead of ``data``)
    domain: str = ""  # photo | document: the degradation preset with ``clean``; recorded in the model card
    whiten_paper: bool = False  # documents from ``clean``: the target's paper made white instead of kept
    tier: str = ""  # fast | quality; "" = by layer (omni_core.tiers)
    teacher: str = ""  # a restoration version distilled into this network; "" = none
    distill_weight: float = 0.0  # with ``teacher``: share of the loss against its output; 0 = the described default
    start_from: str = ""  # a restoration version whose weights start the run (fine-tuning); "" = random weights


def validate_train_params(params: TrainRestorationParams) -> TrainRestorationParams:
    """Fill defaults for zero values (proto3 sends 0 for "not given") and check the described ranges."""
    p = replace(
        params,
        **{name: or_default(KIND, name, getattr(params, name)) for name in _DEFAULTED},
        preset=or_default(KIND, "preset", params.preset).lower(),
        device=or_default(KIND, "device", params.device).lower(),
        loss=or_default(KIND, "loss", params.loss).lower(),
        domain=(params.domain or "").strip().lower(),
        tier=(params.tier or "").strip().lower(),
        teacher=(params.teacher or "").strip(),
        start_from=(params.start_from or "").strip(),
    )
    if p.clean and not p.domain:
        p = replace(p, domain=KIND["domain"].str_default)
    check(KIND, p, *_CHECKED)
    p = _checked_distillation(replace(p, tier=p.tier or tier_for_layer(p.layer)))
    _check_auto_preset(p)
    if p.domain:
        check(KIND, p, "domain")
    if bool(p.data) == bool(p.clean):
        raise InvalidArgument("data", "give either a folder of pairs (data) or of clean images (clean)")
    if p.whiten_paper and not (p.clean and p.domain == "document"):
        raise InvalidArgument(
            "whiten_paper", "applies to document training from clean images (clean with domain document)"
        )
    return p


def _checked_distillation(p: TrainRestorationParams) -> TrainRestorationParams:
    """The tier (filled by the caller) and the teacher's weight, which means nothing without a teacher."""
    check(KIND, p, "tier")
    if not p.teacher:
        if p.distill_weight:
            raise InvalidArgument("distill_weight", "applies only with a teacher")
        return p
    p = replace(p, distill_weight=or_default(KIND, "distill_weight", p.distill_weight))
    check(KIND, p, "distill_weight")
    return p


def _check_auto_preset(p: TrainRestorationParams) -> None:
    if problem := auto_preset_problem(p.preset, p.layer, p.tier):
        raise InvalidArgument("preset", problem)


_DEFAULTED = ("layer", "epochs", "batch_size", "lr", "patch", "val_split")
_CHECKED = (*_DEFAULTED, "max_pairs", "preset", "device", "loss", "num_workers", "max_minutes", "cpu_minutes", "seed")


@dataclass(frozen=True)
class EvaluateParams:
    pred: str = ""
    ref: str = ""
    model: str = ""  # a restoration version scored on the real-image set instead of pred/ref
    bm3d: bool = False  # with model: BM3D as a baseline too
    self_ensemble: bool = False  # with model: run as ``omni restore --self-ensemble`` runs it


def validate_evaluate_params(params: EvaluateParams) -> EvaluateParams:
    if params.model:
        for field in ("pred", "ref"):
            if getattr(params, field):
                raise InvalidArgument(field, "not with model: a model is scored on the real-image set")
        return params
    if params.bm3d:
        raise InvalidArgument("bm3d", "only with model (BM3D is a baseline of the real-image set)")
    if params.self_ensemble:
        raise InvalidArgument("self_ensemble", "only with model (it is how the model is run)")
    for field in ("pred", "ref"):
        if not getattr(params, field):
            raise InvalidArgument(field, "a folder is required (or name a model to score on real images)")
    return params
