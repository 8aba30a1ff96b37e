"""PSNR/SSIM of an input and of its restoration against a clean reference, on the files as written.

Images are read the way ``omni eval`` reads them (upright 8-bit RGB) and measured exactly as
``backend.restoration.metrics`` measures (scikit-image's definitions, data range 1); that module is not
imported because it pulls in PyTorch, which a batch worker does not otherwise need.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from backend.restoration.pairs import load_rgb
from omni_core.batch.probe import Source

WIN_SIZE = 7


def _rgb(source: Source) -> np.ndarray:
    stream = io.BytesIO(source) if isinstance(source, bytes) else Path(source)
    return load_rgb(stream).astype(np.float64) / 255.0  # type: ignore[arg-type]


def psnr(pred: np.ndarray, ref: np.ndarray) -> float:
    mse = float(np.mean((ref - pred) ** 2))
    return math.inf if mse == 0.0 else float(10 * np.log10(1.0 / mse))


def ssim(pred: np.ndarray, ref: np.ndarray) -> float:
    from skimage.metrics import structural_similarity

    return float(structural_similarity(pred, ref, data_range=1.0, channel_axis=-1))


def compare(before: Source, after: Source, reference: Source) -> dict[str, float] | str:
    """``{"psnr_before", "psnr_after", "ssim_before", "ssim_after"}``, or why they cannot be measured."""
    ref = _rgb(reference)
    values: dict[str, float] = {}
    for name, source in (("before", before), ("after", after)):
        image = _rgb(source)
        if image.shape != ref.shape:
            h, w = ref.shape[:2]
            return f"reference is {w}x{h}, the image {image.shape[1]}x{image.shape[0]}"
        if min(image.shape[:2]) < WIN_SIZE:
            return f"too small for SSIM (under {WIN_SIZE} px)"
        values[f"psnr_{name}"] = psnr(image, ref)
        values[f"ssim_{name}"] = ssim(image, ref)
    return values
