"""The crops precision variants are made and judged on, taken from a training run's own data, and the step of
export that adds the variants to a version (``backend.restoration.quantize``).

Calibration reads training crops (the trainer's dataset at a fixed epoch of its own, so the same run gives
the same crops); the quality check reads centre crops of the held-out (validation) images, never seen by the
calibration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from backend.jobs.context import JobContext
from backend.restoration.datasets import TrainingSet, ValidationPairs
from backend.restoration.quantize import HeldOutCrop, precision_variants

#: the training set and the validation pairs of a run, as ``TrainOutcome.extra`` keys
TRAINING_SET, VALIDATION_SET = "training_set", "validation_set"
CALIBRATION_CROPS = 32
#: half choose the INT8 recipe, half judge every precision (``quantize.split_held_out``); 16 in all let an INT8
#: through that lost 0.5-1.2 dB elsewhere
HELD_OUT_CROPS = 64
HELD_OUT_SIDE = 128
#: the dataset epoch calibration draws its crops from (any fixed number: the crops are a function of it)
CALIBRATION_EPOCH = 1_000_003


def calibration_crops(training: TrainingSet, count: int = CALIBRATION_CROPS) -> list[np.ndarray]:
    """``count`` degraded training crops (1xCxHxW float32), cycling over the images."""
    size = len(training)
    return [training[(CALIBRATION_EPOCH, i % size)][0].numpy()[None] for i in range(count if size else 0)]


def held_out_crops(
    validation: ValidationPairs, count: int = HELD_OUT_CROPS, side: int = HELD_OUT_SIDE
) -> list[HeldOutCrop]:
    """Centre crops (at most ``side`` px) of the first ``count`` held-out pairs: (degraded NCHW, clean HWC)."""
    crops: list[HeldOutCrop] = []
    for index in range(min(count, len(validation))):
        clean, degraded = validation.get(index)
        h, w = clean.shape[:2]
        ch, cw = min(side, h), min(side, w)
        top, left = (h - ch) // 2, (w - cw) // 2
        window = (slice(top, top + ch), slice(left, left + cw))
        x = degraded[window].astype(np.float32).transpose(2, 0, 1)[None] / 255.0
        crops.append((np.ascontiguousarray(x), clean[window].astype(np.float32) / 255.0))
    return crops


def add_precision_variants(
    onnx: Path, extra: dict[str, Any], files: dict[str, Path], ctx: JobContext
) -> dict[str, Any]:
    """Make the kept variants of ``onnx`` into ``files`` (role -> path); returns the card's ``precisions``
    section. Without the run's data in ``extra`` (a run trained elsewhere) the section says so."""
    training, validation = extra.get(TRAINING_SET), extra.get(VALIDATION_SET)
    if training is None or validation is None or not len(validation):
        return {"skipped": "the run's training and held-out data are not in this process (trained elsewhere)"}
    ctx.progress(0, 0, unit="", message="making INT8 and FP16 variants")
    report = precision_variants(onnx, onnx.parent, calibration_crops(training), held_out_crops(validation))
    files.update(report.files)
    for precision in ("int8", "fp16"):
        entry = report.card[precision]
        if entry["kept"]:
            ctx.log(
                f"{precision}: PSNR {entry['psnr_delta']:+.3f} dB vs fp32, {entry['mp_per_s']:.2f} MP/s "
                f"({entry['speedup']:.2f}x fp32 on this CPU); kept"
            )
        else:
            ctx.log(f"{precision} not kept: {entry['why']}", level="warning")
    return report.card
