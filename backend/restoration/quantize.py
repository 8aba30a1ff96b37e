"""INT8 and FP16 variants of a restoration version's float32 ONNX export, measured before they are kept.

INT8 is ONNX Runtime's static quantization in QDQ form (per-channel weights, activations calibrated on crops of the
version's own training data, in a fixed order). Recipes are tried in turn until one keeps quality: everything
quantized with MinMax ranges; then the first and last convolutions (and the residual add after the last) kept in
float32, which restoration networks lose most to (a few thousand weights that set the output's fine steps; the
quantization-for-super-resolution literature, e.g. PAMS, keeps them so too); then the same with ranges from the
99.999th percentile, so a few outlier activations do not coarsen every step. FP16 converts the weights and
arithmetic with ONNX Runtime's own float16 converter, float32 in and out (keep_io_types), so callers feed the same
arrays. Each variant is scored against the float32 export on the held-out crops (PSNR/SSIM to the clean targets)
and timed with a bare ``session.run``; it is kept only when its PSNR is at most ``max_psnr_drop`` below float32's,
and the card section says why a variant was not kept.

The held-out crops are split in two: the INT8 recipe is chosen on one half and every precision is judged on the
other. Choosing and judging on the same 16 crops kept an INT8 at -0.06 dB that lost 0.5-1.2 dB on every other
set of images it was scored on (bench.tiers' held-out set, 64 crops of its own validation images, training images).

Import in worker processes only: it imports onnxruntime.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backend.restoration.metrics import psnr, ssim
from omni_core.precision import FP16, FP32, INT8, MAX_PSNR_DROP_DB, ROLES

#: the side of the square input the speed is measured on (the bench uses 1024)
SPEED_SIDE = 512
#: timing rounds after the warm-up; each precision's best round counts
SPEED_ROUNDS = 3

#: (degraded input 1xCxHxW float32 in [0, 1], clean target HxWxC float32 in [0, 1])
HeldOutCrop = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Int8Recipe:
    name: str
    float_ends: bool  # the first and last convolutions, and every node after the last, stay float32
    calibration: str  # onnxruntime.quantization.CalibrationMethod member: MinMax or Percentile


#: tried in this order; the first within the PSNR rule is kept (the card lists what each one cost)
INT8_RECIPES = (
    Int8Recipe("all", float_ends=False, calibration="MinMax"),
    Int8Recipe("float ends", float_ends=True, calibration="MinMax"),
    Int8Recipe("float ends, percentile ranges", float_ends=True, calibration="Percentile"),
)
#: the activation percentile the Percentile recipe keeps inside its range
CALIBRATION_PERCENTILE = 99.999


@dataclass
class VariantsReport:
    """The kept variants' files (role -> path) and the model card's ``precisions`` section."""

    files: dict[str, Path] = field(default_factory=dict)
    card: dict[str, Any] = field(default_factory=dict)


@contextlib.contextmanager
def _quiet_quantizer() -> Iterator[None]:
    """The quantizer logs a warning per rank-1 weight it cannot quantize per channel (norm scales), and its
    Percentile calibrator prints its range to stdout: noise in a job's log."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        root.setLevel(level)


def float_end_nodes(fp32: Path) -> list[str]:
    """The nodes a ``float_ends`` recipe leaves in float32: the first convolution, the last one and all after it."""
    import onnx

    nodes = onnx.load(str(fp32), load_external_data=False).graph.node
    convolutions = [index for index, node in enumerate(nodes) if node.op_type in ("Conv", "ConvTranspose")]
    if not convolutions:
        return []
    first, last = convolutions[0], convolutions[-1]
    return [nodes[first].name, *(node.name for node in nodes[last:])]


def quantize_int8(
    fp32: Path, out: Path, calibration: Sequence[np.ndarray], recipe: Int8Recipe = INT8_RECIPES[0]
) -> Path:
    """Static INT8 (QDQ, per-channel weights) of ``fp32`` by ``recipe``, calibrated on ``calibration`` in order."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Crops(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._items = iter(calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            crop = next(self._items, None)
            return None if crop is None else {"input": np.ascontiguousarray(crop, dtype=np.float32)}

    if not calibration:
        raise ValueError("INT8 calibration needs at least one crop")
    with _quiet_quantizer():
        quantize_static(
            str(fp32),
            str(out),
            Crops(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=getattr(CalibrationMethod, recipe.calibration),
            nodes_to_exclude=float_end_nodes(fp32) if recipe.float_ends else None,
            extra_options={"CalibPercentile": CALIBRATION_PERCENTILE},
        )
    return out


def convert_fp16(fp32: Path, out: Path) -> Path:
    """Float16 weights and arithmetic, float32 input and output."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = convert_float_to_float16(onnx.load(str(fp32)), keep_io_types=True)
    onnx.save(model, str(out))
    return out


def cpu_session(path: Path, threads: int = 0) -> Any:
    """A CPU session with the engine's options (all graph optimisations, threads sized to the machine)."""
    import onnxruntime as ort

    from backend.inference.engine import EngineOptions, session_options

    return ort.InferenceSession(
        str(path), session_options(EngineOptions(threads=threads)), providers=["CPUExecutionProvider"]
    )


def score(run: Callable[[np.ndarray], np.ndarray], held_out: Sequence[HeldOutCrop]) -> dict[str, float]:
    """Mean PSNR/SSIM of ``run``'s clamped outputs to the clean targets (identical crops count as 100 dB)."""
    psnrs, ssims = [], []
    for degraded, clean in held_out:
        output = np.clip(run(degraded)[0].transpose(1, 2, 0), 0.0, 1.0)
        value = psnr(output, clean)
        psnrs.append(value if math.isfinite(value) else 100.0)
        ssims.append(ssim(output, clean))
    return {"psnr": float(np.mean(psnrs)), "ssim": float(np.mean(ssims))}


def interleaved_speeds(
    sessions: dict[str, Any],
    side: int = SPEED_SIDE,
    channels: int = 3,
    rounds: int = SPEED_ROUNDS,
    enough_s: float = 1.0,
) -> dict[str, float]:
    """MP/s of a bare ``session.run`` of each session on one ``side`` x ``side`` input, after a warm-up run of
    each: rounds that time every session once in turn (so a busy machine slows them alike), the best round of
    each counts; fewer than ``rounds`` once ``enough_s`` seconds were timed."""
    x = np.random.default_rng(0).random((1, channels, side, side), dtype=np.float32)
    names = {key: session.get_inputs()[0].name for key, session in sessions.items()}
    for key, session in sessions.items():
        session.run(None, {names[key]: x})
    best = dict.fromkeys(sessions, math.inf)
    spent = 0.0
    for _ in range(max(1, rounds)):
        for key, session in sessions.items():
            began = time.perf_counter()
            session.run(None, {names[key]: x})
            took = time.perf_counter() - began
            best[key], spent = min(best[key], took), spent + took
        if spent >= enough_s:
            break
    return {key: side * side / 1e6 / seconds for key, seconds in best.items()}


def _failed(error: Exception) -> dict[str, Any]:
    return {"kept": False, "why": f"could not be made: {type(error).__name__}: {str(error)[:300]}"}


def precision_variants(
    fp32: Path,
    out_dir: Path,
    calibration: Sequence[np.ndarray],
    held_out: Sequence[HeldOutCrop],
    *,
    max_psnr_drop: float = MAX_PSNR_DROP_DB,
    speed_side: int = SPEED_SIDE,
    threads: int = 0,
) -> VariantsReport:
    """Make, score and time the INT8 and FP16 variants of ``fp32`` in ``out_dir``; keep those within
    ``max_psnr_drop`` dB of float32 on ``held_out``. A variant that cannot be made is not kept, with its error."""
    if not held_out:
        raise ValueError("precision variants need held-out crops to be measured on")
    choosing, judging = split_held_out(held_out)
    channels = held_out[0][0].shape[1]
    sessions = {FP32: cpu_session(fp32, threads)}
    figures = {FP32: score(_runner(sessions[FP32]), judging)}
    card: dict[str, Any] = {
        "threshold_psnr_drop_db": max_psnr_drop,
        "held_out_crops": len(held_out),
        "recipe_chosen_on_crops": len(choosing),
        "judged_on_crops": len(judging),
        "calibration_crops": len(calibration),
        "speed": f"bare session.run, 1x{channels}x{speed_side}x{speed_side}, CPUExecutionProvider, this machine",
    }
    targets: dict[str, Path] = {}
    recipes: dict[str, Any] = {}
    for precision in (INT8, FP16):
        target = out_dir / f"{fp32.stem}_{precision}.onnx"
        began = time.perf_counter()
        try:
            if precision == INT8:
                least = score(_runner(sessions[FP32]), choosing)["psnr"] - max_psnr_drop
                sessions[INT8], recipes = _int8_within_rule(fp32, target, calibration, choosing, least, threads)
            else:
                sessions[FP16] = cpu_session(convert_fp16(fp32, target), threads)
            figures[precision] = score(_runner(sessions[precision]), judging)
        except Exception as error:  # noqa: BLE001 - a variant that cannot be made is dropped, never the export
            target.unlink(missing_ok=True)
            sessions.pop(precision, None)
            card[precision] = _failed(error)
            continue
        targets[precision] = target
        figures[precision]["seconds"] = time.perf_counter() - began
    speeds = interleaved_speeds(sessions, speed_side, channels)
    reference = {**figures[FP32], "mp_per_s": speeds[FP32]}
    card[FP32] = {**reference, "role": ROLES[FP32], "kept": True}
    report = VariantsReport(card=card)
    for precision, target in targets.items():
        entry = _entry(precision, {**figures[precision], "mp_per_s": speeds[precision]}, reference, max_psnr_drop)
        entry["size_bytes"] = target.stat().st_size
        if precision == INT8:
            entry.update(recipes)
        if entry["kept"]:
            report.files[ROLES[precision]] = target
        else:
            target.unlink(missing_ok=True)
        card[precision] = entry
    return report


def split_held_out(held_out: Sequence[HeldOutCrop]) -> tuple[list[HeldOutCrop], list[HeldOutCrop]]:
    """(crops the INT8 recipe is chosen on, crops every precision is judged on): alternate crops, so both halves
    cover the same images; a single crop serves as both."""
    if len(held_out) < 2:
        return list(held_out), list(held_out)
    return list(held_out[0::2]), list(held_out[1::2])


def _int8_within_rule(
    fp32: Path,
    target: Path,
    calibration: Sequence[np.ndarray],
    choosing: Sequence[HeldOutCrop],
    least_psnr: float,
    threads: int,
) -> tuple[Any, dict[str, Any]]:
    """The first INT8 recipe whose PSNR on ``choosing`` reaches ``least_psnr`` (else the best one), written to
    ``target``: its session and the card's ``recipe``/``recipes_tried`` (PSNRs on ``choosing``)."""
    best: tuple[float, Int8Recipe] | None = None
    tried = []
    for recipe in INT8_RECIPES:
        quantize_int8(fp32, target, calibration, recipe)
        figures = score(_runner(cpu_session(target, threads)), choosing)
        tried.append({"recipe": recipe.name, "psnr": figures["psnr"]})
        if best is None or figures["psnr"] > best[0]:
            best = (figures["psnr"], recipe)
        if figures["psnr"] >= least_psnr:
            break
    assert best is not None  # INT8_RECIPES is not empty
    chosen = best[1]
    if tried[-1]["recipe"] != chosen.name:  # none passed and the last tried was not the best: make the best again
        quantize_int8(fp32, target, calibration, chosen)
    return cpu_session(target, threads), {"recipe": chosen.name, "recipes_tried": tried}


def _runner(session: Any) -> Callable[[np.ndarray], np.ndarray]:
    return lambda x: session.run(None, {"input": x})[0]  # type: ignore[no-any-return]


def _entry(precision: str, figures: dict[str, float], reference: dict[str, float], max_drop: float) -> dict[str, Any]:
    """A variant's card entry: its figures against float32's, and whether it is kept (and why not)."""
    entry: dict[str, Any] = {
        **figures,
        "role": ROLES[precision],
        "psnr_delta": figures["psnr"] - reference["psnr"],
        "ssim_delta": figures["ssim"] - reference["ssim"],
        "speedup": figures["mp_per_s"] / reference["mp_per_s"],
    }
    drop = -entry["psnr_delta"]
    entry["kept"] = drop <= max_drop
    if not entry["kept"]:
        entry["why"] = f"PSNR {drop:.3f} dB below fp32 on the held-out crops (at most {max_drop:g} dB is kept)"
    return entry
