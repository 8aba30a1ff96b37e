"""Parameters of a restoration training run, checked before the job is queued."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from backend.synthetic.realistic.presets import DEFAULT_DOMAIN, DOMAINS
from omni_core.errors import InvalidArgument, shown

DEVICES = ("auto", "cpu", "cuda")
LOSSES = ("charbonnier", "l1", "charbonnier+ssim")
PRESETS = ("tiny", "mini", "small", "base")


@dataclass(frozen=True)
class TrainRestorationParams:
    data: str  # folder of clean/ and degraded/ pairs; "" when training from ``clean``
    layer: int = 2
    epochs: int = 10
    batch_size: int = 4
    lr: float = 1e-4
    max_pairs: int = 0  # 0 = all
    patch: int = 128
    val_split: float = 0.1
    preset: str = "tiny"
    device: str = "auto"
    seed: int = 0
    loss: str = "charbonnier"
    num_workers: int = 0  # 0 = sized to the machine, -1 = none (load in the training process)
    max_minutes: float = 0.0  # stop training after this much time (then validate and register); 0 = no limit
    cpu_minutes: float = 0.0  # the same budget in CPU time of the training process: reproducible on a busy machine
    clean: str = ""  # folder of clean images, degraded on the fly every epoch (instead of ``data``)
    domain: str = ""  # photo | document: the degradation preset with ``clean``; recorded in the model card
    whiten_paper: bool = False  # documents from ``clean``: the target's paper made white instead of kept


def validate_train_params(params: TrainRestorationParams) -> TrainRestorationParams:
    """Fill defaults for zero values (proto3 sends 0 for "not given") and check ranges."""
    p = replace(
        params,
        layer=params.layer or 2,
        epochs=params.epochs or 10,
        batch_size=params.batch_size or 4,
        lr=params.lr or 1e-4,
        patch=params.patch or 128,
        val_split=params.val_split if params.val_split else 0.1,
        preset=(params.preset or "tiny").lower(),
        device=(params.device or "auto").lower(),
        loss=(params.loss or "charbonnier").lower(),
        domain=(params.domain or "").strip().lower(),
    )
    if p.clean and not p.domain:
        p = replace(p, domain=DEFAULT_DOMAIN)
    checks = [
        ("layer", p.layer in (1, 2), "must be 1 or 2"),
        ("epochs", 1 <= p.epochs <= 100_000, f"must be between 1 and 100000, got {p.epochs}"),
        ("batch_size", 1 <= p.batch_size <= 4096, f"must be between 1 and 4096, got {p.batch_size}"),
        ("lr", math.isfinite(p.lr) and 0 < p.lr <= 1, f"must be in (0, 1], got {p.lr}"),
        ("max_pairs", p.max_pairs >= 0, f"must not be negative, got {p.max_pairs}"),
        ("patch", 16 <= p.patch <= 2048, f"must be between 16 and 2048, got {p.patch}"),
        ("val_split", 0 < p.val_split < 1, f"must be between 0 and 1 (exclusive), got {p.val_split}"),
        ("preset", p.preset in PRESETS, f"unknown preset {shown(p.preset)}; choose one of {', '.join(PRESETS)}"),
        ("device", p.device in DEVICES, f"unknown device {shown(p.device)}; choose one of {', '.join(DEVICES)}"),
        ("loss", p.loss in LOSSES, f"unknown loss {shown(p.loss)}; choose one of {', '.join(LOSSES)}"),
        ("num_workers", -1 <= p.num_workers <= 64, f"must be between -1 (none) and 64 (0 = auto), got {p.num_workers}"),
        (
            "max_minutes",
            math.isfinite(p.max_minutes) and p.max_minutes >= 0,
            f"must not be negative, got {p.max_minutes}",
        ),
        (
            "cpu_minutes",
            math.isfinite(p.cpu_minutes) and p.cpu_minutes >= 0,
            f"must not be negative, got {p.cpu_minutes}",
        ),
        (
            "domain",
            not p.domain or p.domain in DOMAINS,
            f"unknown domain {shown(p.domain)}; choose one of {', '.join(DOMAINS)}",
        ),
        ("data", bool(p.data) != bool(p.clean), "give either a folder of pairs (data) or of clean images (clean)"),
        (
            "whiten_paper",
            not p.whiten_paper or (bool(p.clean) and p.domain == "document"),
            "applies to document training from clean images (clean with domain document)",
        ),
    ]
    for field, ok, message in checks:
        if not ok:
            raise InvalidArgument(field, message)
    return p


@dataclass(frozen=True)
class EvaluateParams:
    pred: str = ""
    ref: str = ""
    model: str = ""  # a restoration version scored on the real-image set instead of pred/ref
    bm3d: bool = False  # with model: BM3D as a baseline too


def validate_evaluate_params(params: EvaluateParams) -> EvaluateParams:
    if params.model:
        for field in ("pred", "ref"):
            if getattr(params, field):
                raise InvalidArgument(field, "not with model: a model is scored on the real-image set")
        return params
    if params.bm3d:
        raise InvalidArgument("bm3d", "only with model (BM3D is a baseline of the real-image set)")
    for field in ("pred", "ref"):
        if not getattr(params, field):
            raise InvalidArgument(field, "a folder is required (or name a model to score on real images)")
    return params
