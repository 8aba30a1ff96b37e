"""The catalogue of degradations, and how a pair's degradations are chosen and applied.

``DEGRADATIONS`` is ordered the way the defects happen physically (the paper ages, then it is lit and
photographed, then the file is compressed), and a pair's degradations are always applied in that order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from backend.synthetic import capture_defects as capture
from backend.synthetic import paper_defects as paper
from backend.synthetic.fields import to_float, to_uint8

Params = dict[str, Any]


@dataclass(frozen=True)
class Degradation:
    name: str
    description: str
    #: draws the parameters for a ``size`` x ``size`` image (JSON-ready; recorded in the manifest)
    sample: Callable[[np.random.Generator, int], Params]
    #: applies them to a float (H, W, 3) image in [0, 1]; deterministic given the parameters
    apply: Callable[[np.ndarray, Params], np.ndarray]


_CATALOGUE: tuple[Degradation, ...] = (
    Degradation(
        "paper_texture",
        "paper grain and cloudy fibre texture",
        paper.sample_paper_texture,
        paper.apply_paper_texture,
    ),
    Degradation(
        "ink_bleed",
        "ink wicking into the paper: thicker strokes with a soft halo",
        paper.sample_ink_bleed,
        paper.apply_ink_bleed,
    ),
    Degradation("fade", "faded ink, unevenly washed out towards the paper colour", paper.sample_fade, paper.apply_fade),
    Degradation(
        "bleed_through",
        "mirrored text from the reverse side showing through",
        paper.sample_bleed_through,
        paper.apply_bleed_through,
    ),
    Degradation("stain", "coffee, tea, water or grease stains with dried rims", paper.sample_stain, paper.apply_stain),
    Degradation(
        "color_cast",
        "yellowed paper or a wrong white balance",
        paper.sample_color_cast,
        paper.apply_color_cast,
    ),
    Degradation(
        "crease",
        "fold lines with shadow, highlight and broken fibres",
        paper.sample_crease,
        paper.apply_crease,
    ),
    Degradation("speckle", "dust and dirt specks, mostly dark", paper.sample_speckle, paper.apply_speckle),
    Degradation("shadow", "a soft shadow cast over one side of the page", capture.sample_shadow, capture.apply_shadow),
    Degradation(
        "uneven_lighting",
        "uneven illumination, gradient and vignetting",
        capture.sample_uneven_lighting,
        capture.apply_uneven_lighting,
    ),
    Degradation("blur", "out-of-focus Gaussian blur", capture.sample_blur, capture.apply_blur),
    Degradation("motion_blur", "camera-shake blur along a line", capture.sample_motion_blur, capture.apply_motion_blur),
    Degradation(
        "low_resolution",
        "captured at low resolution and scaled back up",
        capture.sample_low_resolution,
        capture.apply_low_resolution,
    ),
    Degradation(
        "streaks",
        "scanner streaks along the scan direction and banding",
        capture.sample_streaks,
        capture.apply_streaks,
    ),
    Degradation("noise", "sensor noise, partly signal-dependent", capture.sample_noise, capture.apply_noise),
    Degradation(
        "salt_pepper",
        "isolated black and white pixels",
        capture.sample_salt_pepper,
        capture.apply_salt_pepper,
    ),
    Degradation("jpeg", "JPEG compression blocks and ringing", capture.sample_jpeg, capture.apply_jpeg),
)

CATALOGUE: dict[str, Degradation] = {d.name: d for d in _CATALOGUE}

#: name -> one-line description, in application order
DEGRADATIONS: dict[str, str] = {d.name: d.description for d in _CATALOGUE}


def plan(rng: np.random.Generator, chosen: Sequence[str], max_count: int, size: int) -> dict[str, Params]:
    """Pick 1..max_count of ``chosen`` and draw their parameters; name -> params, in application order."""
    if not chosen:
        return {}
    k = int(rng.integers(1, min(max_count, len(chosen)) + 1))
    picked = {chosen[int(i)] for i in rng.choice(len(chosen), size=k, replace=False)}
    return {name: CATALOGUE[name].sample(rng, size) for name in DEGRADATIONS if name in picked}


def apply_plan(clean: np.ndarray, steps: dict[str, Params]) -> np.ndarray:
    """The degraded version of a uint8 (H, W, 3) image."""
    image = to_float(clean)
    for name, params in steps.items():
        image = np.clip(CATALOGUE[name].apply(image, params), 0.0, 1.0).astype(np.float32, copy=False)
    return to_uint8(image)
