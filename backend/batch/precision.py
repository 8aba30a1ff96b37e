"""Which export of a restoration version a run uses (``precision``): fp32, or a variant export kept
(``backend.restoration.quantize``); ``auto`` decides by the device the session runs on and the card's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend.registry import ModelVersion
from omni_core.errors import FailedPrecondition
from omni_core.precision import AUTO, FP16, FP32, INT8, ROLES


@dataclass(frozen=True)
class PrecisionFiles:
    """The local ONNX file of each precision a version has, its card's ``precisions`` section, and its card's
    ``memory`` figures (measured at export; empty for a version without them)."""

    paths: dict[str, Path]
    card: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)


def present(model: ModelVersion) -> list[str]:
    """The precisions ``model`` has a file of, fp32 first."""
    return [precision for precision, role in ROLES.items() if role in model.files]


def check_precision(model: ModelVersion, asked: str) -> None:
    """FAILED_PRECONDITION naming ``precision`` when ``asked`` (not auto) has no file in ``model``."""
    if asked in (AUTO, "") or asked in present(model):
        return
    entry = model.card.get("precisions", {}).get(asked) or {}
    why = entry.get("why") or model.card.get("precisions", {}).get("skipped") or "none was made at its export"
    raise FailedPrecondition(
        f"{model.version} has no {asked} variant ({why}); it has {', '.join(present(model))}", field="precision"
    )


def choose(asked: str, files: PrecisionFiles, device: str) -> tuple[str, str]:
    """(precision, why) for a session on ``device`` ("cuda" or "cpu")."""
    if asked != AUTO:
        if asked not in files.paths:
            raise FailedPrecondition(f"the model has no {asked} variant", field="precision")
        return asked, "asked for"
    if device == "cuda":
        if FP16 in files.paths:
            return FP16, "auto: fp16 on a GPU provider"
        return FP32, "auto: this version has no fp16 variant for the GPU"
    if INT8 not in files.paths:
        return FP32, "auto: this version has no int8 variant"
    int8 = files.card.get(INT8) or {}
    speedup = float(int8.get("speedup", 0.0))
    if speedup > 1.0:
        return (
            INT8,
            f"auto: int8 kept ({int8.get('psnr_delta', 0.0):+.3f} dB) and measured {speedup:.2f}x fp32 on a CPU",
        )
    return FP32, f"auto: int8 measured no faster than fp32 on a CPU ({speedup:.2f}x)"
