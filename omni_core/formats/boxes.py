"""Checking normalized boxes and converting them to and from pixel boxes.

Normalized boxes are (x_center, y_center, width, height) in 0..1 of the upright image. A box is *valid*
when all four values are finite, inside 0..1, its size is positive and its edges lie inside the image
(within ``EDGE_TOLERANCE``, which absorbs float noise from pixel conversions).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from omni_core.formats.model import Box

EDGE_TOLERANCE = 1e-6


def box_error(x_center: float, y_center: float, width: float, height: float) -> str:
    """Why the box is not usable, or "" if it is."""
    return value_error(x_center, y_center, width, height) or edge_error(x_center, y_center, width, height)


def value_error(x_center: float, y_center: float, width: float, height: float) -> str:
    """Why the four values cannot describe a box, or ""."""
    values = (x_center, y_center, width, height)
    if not all(math.isfinite(v) for v in values):
        return f"coordinates must be finite numbers, got {_show(values)}"
    if any(v < 0 or v > 1 for v in values):
        return f"coordinates must be normalized to 0..1, got {_show(values)}"
    if width <= 0 or height <= 0:
        return f"width and height must be positive, got {_show(values)}"
    return ""


def edge_error(x_center: float, y_center: float, width: float, height: float) -> str:
    """Why the box reaches outside the image, or ""."""
    left, right = x_center - width / 2, x_center + width / 2
    top, bottom = y_center - height / 2, y_center + height / 2
    if left < -EDGE_TOLERANCE or top < -EDGE_TOLERANCE or right > 1 + EDGE_TOLERANCE or bottom > 1 + EDGE_TOLERANCE:
        return f"box reaches outside the image (edges {_show((left, top, right, bottom))})"
    return ""


def _show(values: Sequence[float]) -> str:
    return " ".join(f"{v:.6g}" for v in values)


def clip_edges(x_center: float, y_center: float, width: float, height: float) -> tuple[float, float, float, float]:
    """The part of the box inside the image (values already in 0..1)."""
    left, right = max(0.0, x_center - width / 2), min(1.0, x_center + width / 2)
    top, bottom = max(0.0, y_center - height / 2), min(1.0, y_center + height / 2)
    return (left + right) / 2, (top + bottom) / 2, right - left, bottom - top


def from_pixels(class_id: int, left: float, top: float, width: float, height: float, image_w: int, image_h: int) -> Box:
    """A normalized box from a pixel box given by its top-left corner and size."""
    return Box(
        class_id,
        (left + width / 2) / image_w,
        (top + height / 2) / image_h,
        width / image_w,
        height / image_h,
    )


def to_pixels(box: Box, image_w: int, image_h: int) -> tuple[float, float, float, float]:
    """(left, top, width, height) in pixels: the inverse of ``from_pixels``."""
    width, height = box.width * image_w, box.height * image_h
    return box.x_center * image_w - width / 2, box.y_center * image_h - height / 2, width, height


def tidy(value: float) -> float:
    """A pixel coordinate for a file, to a millionth of a pixel: ``437.0``, not the ``436.99999999999994`` that
    the normalized -> pixel conversion leaves."""
    return round(value, 6) + 0.0  # + 0.0: never -0.0


def pixel_box(
    class_id: int, left: float, top: float, width: float, height: float, image_w: int, image_h: int
) -> tuple[Box | None, str]:
    """A pixel box checked against the image: (box, "") if usable, (clipped box, note) if it reached
    outside the image by more than half a pixel, (None, reason) if it is empty or not a box at all."""
    values = (left, top, width, height)
    if not all(math.isfinite(v) for v in values):
        return None, f"coordinates must be finite numbers, got {_show(values)}"
    if width <= 0 or height <= 0:
        return None, f"width and height must be positive, got {_show((width, height))}"
    right, bottom = left + width, top + height
    c_left, c_top = max(0.0, left), max(0.0, top)
    c_right, c_bottom = min(float(image_w), right), min(float(image_h), bottom)
    if c_right <= c_left or c_bottom <= c_top:
        return None, f"box {_show(values)} lies outside the {image_w}x{image_h} image"
    moved = max(c_left - left, c_top - top, right - c_right, bottom - c_bottom)
    if moved <= 0:
        return from_pixels(class_id, left, top, width, height, image_w, image_h), ""
    box = from_pixels(class_id, c_left, c_top, c_right - c_left, c_bottom - c_top, image_w, image_h)
    note = f"box {_show(values)} reached outside the {image_w}x{image_h} image; clipped" if moved > 0.5 else ""
    return box, note


def image_size(width: object, height: object) -> tuple[int, int]:
    """A size a label file states, as positive whole pixels, or (0, 0) when it states none usable (then the
    image itself is measured)."""
    try:
        size = int(float(str(width))), int(float(str(height)))
    except (TypeError, ValueError, OverflowError):
        return 0, 0
    return size if size[0] > 0 and size[1] > 0 else (0, 0)


def unique_names(names: Sequence[str], *, flat: bool = False) -> list[str]:
    """The names, changed only where needed so that no two share a folder and stem (case-insensitively):
    a YOLO label file or VOC annotation is named after the image's stem. ``flat`` joins folders with '_'."""
    taken: set[str] = set()
    result = []
    for name in names:
        candidate = name.replace("/", "_") if flat else name
        stem, suffix = os.path.splitext(candidate)
        counter = 1
        while stem.lower() in taken:
            counter += 1
            stem = f"{os.path.splitext(candidate)[0]}_{counter}"
        taken.add(stem.lower())
        result.append(stem + suffix)
    return result
