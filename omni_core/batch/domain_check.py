"""Does a batch's input look like the domain its model was trained for? A cheap check on a few inputs.

The model card says the domain (``photo`` or ``document``; empty when trained from a pair folder without one:
``not stated``; older cards say nothing: ``unknown``). A few inputs,
evenly spaced through the run's list, are read as thumbnails and each is called a page, a photo or unclear:

- a **page** is mostly paper: at least ``PAPER_FRACTION`` of its pixels are bright (HSV value >= 0.6) and
  nearly colourless (saturation <= 0.25, which still counts yellowed paper), and its mean saturation is low;
- a **photo** is colourful: mean saturation at least ``COLOURFUL`` and under a third of it paper-like;
- anything else (a grey photo, a colour brochure) is unclear and never warned about.

A photo model on inputs that are mostly pages, or a document model on inputs that are mostly photos, gets a
warning: in the summary and as a log line, never silently. It is a heuristic over a sample; it says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from omni_core.formats.upright import load_upright

Look = Literal["document", "photo", "unclear"]

UNKNOWN = "unknown"
NOT_STATED = "not stated"
#: how many inputs are looked at, at most
SAMPLES = 5
#: the side the samples are reduced to before looking
THUMBNAIL = 256
PAPER_FRACTION = 0.5
PAPER_MAX_MEAN_SATURATION = 0.15
COLOURFUL = 0.2


def model_domain(card: Mapping[str, Any]) -> str:
    """The domain a model card records: ``not stated`` when it was trained without one, ``unknown`` for cards
    written before domains existed."""
    domain = card.get("domain")
    if domain in ("photo", "document"):
        return str(domain)
    return NOT_STATED if domain == "" else UNKNOWN


def look_of(image: np.ndarray) -> Look:
    """Whether an RGB uint8 image looks like a page, a photo, or neither clearly."""
    rgb = image.astype(np.float32) / 255.0
    value = rgb.max(axis=2)
    saturation = np.where(value > 0, (value - rgb.min(axis=2)) / np.maximum(value, 1e-6), 0.0)
    paper = float(np.mean((value >= 0.6) & (saturation <= 0.25)))
    mean_saturation = float(saturation.mean())
    if paper >= PAPER_FRACTION and mean_saturation <= PAPER_MAX_MEAN_SATURATION:
        return "document"
    if mean_saturation >= COLOURFUL and paper < 0.33:
        return "photo"
    return "unclear"


def _thumbnail(path: Path) -> np.ndarray | None:
    try:
        with Image.open(path) as opened:
            opened.draft("RGB", (THUMBNAIL, THUMBNAIL))  # JPEG decodes at a fraction of its size
            image = load_upright(opened).convert("RGB")
            image.thumbnail((THUMBNAIL, THUMBNAIL))
            return np.asarray(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None  # an unreadable input fails in the run itself, with its reason


def sample_looks(paths: Sequence[Path], count: int = SAMPLES) -> list[Look]:
    """The looks of up to ``count`` inputs spread evenly through ``paths`` (unreadable ones left out)."""
    if not paths:
        return []
    taken = min(count, len(paths))
    picked = sorted({round(i * (len(paths) - 1) / max(taken - 1, 1)) for i in range(taken)})
    looks = []
    for index in picked:
        pixels = _thumbnail(paths[index])
        if pixels is not None:
            looks.append(look_of(pixels))
    return looks


def domain_warning(domain: str, looks: Sequence[Look]) -> str:
    """A warning when most of the sampled inputs look like the other domain; empty otherwise."""
    if domain not in ("photo", "document") or not looks:
        return ""
    other = "document" if domain == "photo" else "photo"
    seen = sum(look == other for look in looks)
    if seen * 2 <= len(looks):
        return ""
    if domain == "photo":
        return (
            f"this model was trained for photos, but {seen} of {len(looks)} sampled inputs look like pages "
            "(mostly white, low colour); a photo model can blow out paper and crush ink: use a document model"
        )
    return (
        f"this model was trained for documents, but {seen} of {len(looks)} sampled inputs look like colour photos; "
        "a document model can whiten and flatten photos: use a photo model"
    )


def check_inputs(domain: str, paths: Sequence[Path]) -> str:
    """``domain_warning`` over a sample of ``paths`` (no reading at all for a model of unknown domain)."""
    return domain_warning(domain, sample_looks(paths)) if domain in ("photo", "document") else ""
