"""Augmentation presets for detection training, and the operator's overrides of single knobs.

``standard`` is Ultralytics' own defaults (nothing is passed, so the trainer's values apply); ``few_photos``
is the heavy augmentation the first version of this system used to train from a handful of labelled
photos. Overrides are ``name=value`` strings (a repeated proto field), applied on top of the preset.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from omni_core.errors import InvalidArgument, shown

PRESETS: dict[str, dict[str, float]] = {
    "standard": {},
    "few_photos": {
        "hsv_h": 0.015,
        "hsv_s": 0.7,
        "hsv_v": 0.4,
        "degrees": 20.0,
        "translate": 0.2,
        "scale": 0.9,
        "shear": 5.0,
        "flipud": 0.5,
        "fliplr": 0.5,
        "mosaic": 1.0,
        "mixup": 0.15,
    },
}
PRESET_ALIASES = {"": "standard", "default": "standard", "few-photos": "few_photos", "few": "few_photos"}

#: knob -> (low, high) allowed, inclusive; Ultralytics' meaning of each
KNOBS: dict[str, tuple[float, float]] = {
    "hsv_h": (0.0, 1.0),  # hue jitter, fraction of the colour wheel
    "hsv_s": (0.0, 1.0),  # saturation jitter, fraction
    "hsv_v": (0.0, 1.0),  # brightness jitter, fraction
    "degrees": (0.0, 180.0),  # rotation, +/- degrees
    "translate": (0.0, 1.0),  # shift, +/- fraction of the image
    "scale": (0.0, 0.99),  # zoom, +/- gain (1 would shrink objects to nothing)
    "shear": (0.0, 90.0),  # shear, +/- degrees
    "perspective": (0.0, 0.001),
    "flipud": (0.0, 1.0),  # probability
    "fliplr": (0.0, 1.0),  # probability
    "mosaic": (0.0, 1.0),  # probability
    "mixup": (0.0, 1.0),  # probability
    "cutmix": (0.0, 1.0),  # probability
    "copy_paste": (0.0, 1.0),  # probability (needs segments)
}


def preset_name(value: str) -> str:
    name = value.strip().lower().replace("-", "_")
    name = PRESET_ALIASES.get(value.strip().lower(), name)
    if name not in PRESETS:
        raise InvalidArgument("preset", f"unknown preset {shown(value)}; choose one of {', '.join(PRESETS)}")
    return name


def parse_overrides(items: Iterable[str]) -> dict[str, float]:
    """``("degrees=20", "mixup=0.1")`` -> ``{"degrees": 20.0, "mixup": 0.1}``, each checked."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = str(item).partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or not name:
            raise InvalidArgument("augment", f"{shown(item)} is not name=value (e.g. degrees=20)")
        if name not in KNOBS:
            raise InvalidArgument("augment", f"unknown augmentation {shown(name)}; known: {', '.join(KNOBS)}")
        try:
            value = float(text)
        except ValueError:
            raise InvalidArgument("augment", f"{name}: {shown(text.strip())} is not a number") from None
        low, high = KNOBS[name]
        if not math.isfinite(value) or not low <= value <= high:
            raise InvalidArgument("augment", f"{name} must be between {low:g} and {high:g}, got {text.strip()}")
        values[name] = value
    return values


def normalise_overrides(items: Iterable[str]) -> tuple[str, ...]:
    """Checked overrides in a canonical form (sorted ``name=value``), so equal runs have equal params."""
    return tuple(f"{name}={value:g}" for name, value in sorted(parse_overrides(items).items()))


def training_arguments(preset: str, overrides: Iterable[str]) -> dict[str, float]:
    """What the trainer gets: the preset's values with the overrides on top (standard: overrides only)."""
    return {**PRESETS[preset_name(preset)], **parse_overrides(overrides)}
