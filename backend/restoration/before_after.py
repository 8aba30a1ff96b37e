"""Before/after images of a model on one domain's real held-out crops, for its report.

A document model trained to whiten the paper changes the page's tone on purpose, and PSNR against the scan counts
that as error; the report shows what the model does instead of pretending the figure measures it. One PNG sheet,
a row per crop and degradation case: the degraded input, the model's output, the original scan.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from PIL import Image

from backend.restoration.real_eval import BatchRestorer, cases
from backend.restoration.real_set import Domain

COLUMNS = ("degraded input", "this model", "original")
GAP = 4  # white pixels between the images of the sheet


def before_after(model: BatchRestorer, domain: Domain) -> dict[str, Any]:
    """The report's ``before_after`` entry: the sheet as base64 PNG, its columns and one label per row."""
    chosen = [(name, case, clean, degraded) for name, kind, case, clean, degraded in cases() if kind == domain]
    if not chosen:
        raise ValueError(f"the real-image set has no {domain} crops")
    outputs = model(np.stack([degraded for *_, degraded in chosen]))
    rows = [_row(degraded, output, clean) for (_, _, clean, degraded), output in zip(chosen, outputs, strict=True)]
    sheet = _stack(rows, axis=0)
    buffer = io.BytesIO()
    Image.fromarray(sheet).save(buffer, format="PNG", optimize=True)
    return {
        "domain": domain,
        "columns": list(COLUMNS),
        "rows": [f"{name} / {case}" for name, case, _, _ in chosen],
        "png_base64": base64.b64encode(buffer.getvalue()).decode("ascii"),
    }


def _row(*images: np.ndarray) -> np.ndarray:
    return _stack(list(images), axis=1)


def _stack(images: list[np.ndarray], axis: int) -> np.ndarray:
    """``images`` joined along ``axis`` with a white gap between each two."""
    shape = list(images[0].shape)
    shape[axis] = GAP
    gap = np.full(shape, 255, np.uint8)
    parts: list[np.ndarray] = []
    for index, image in enumerate(images):
        parts += [gap, image] if index else [image]
    return np.concatenate(parts, axis=axis)
