"""Boxes drawn on images: annotated batch outputs and the report's validation examples (Pillow only)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: one colour per class id (repeats after the list)
PALETTE = (
    (255, 56, 56),
    (255, 157, 151),
    (255, 112, 31),
    (255, 178, 29),
    (207, 210, 49),
    (72, 249, 10),
    (26, 147, 52),
    (0, 212, 187),
    (0, 194, 255),
    (52, 69, 147),
    (100, 115, 255),
    (203, 56, 255),
    (255, 149, 200),
)
TRUTH = (40, 220, 90)


@dataclass(frozen=True)
class DrawnBox:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str
    class_id: int = 0
    truth: bool = False  # drawn in the truth colour, thinner, label below the box


def colour(class_id: int) -> tuple[int, int, int]:
    return PALETTE[class_id % len(PALETTE)]


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def draw_boxes(image: np.ndarray | Image.Image, boxes: Sequence[DrawnBox]) -> Image.Image:
    canvas = image.copy() if isinstance(image, Image.Image) else Image.fromarray(image)
    canvas = canvas.convert("RGB")
    draw = ImageDraw.Draw(canvas)
    side = max(canvas.size)
    width = max(1, round(side / 400))
    font = _font(max(10, round(side / 50)))
    for box in boxes:
        rgb = TRUTH if box.truth else colour(box.class_id)
        draw.rectangle((box.x1, box.y1, box.x2, box.y2), outline=rgb, width=max(1, width - 1) if box.truth else width)
        if not box.label:
            continue
        left, top, right, bottom = draw.textbbox((0, 0), box.label, font=font)
        text_w, text_h = right - left, bottom - top
        y = box.y2 if box.truth else box.y1 - text_h - 2
        y = min(max(0.0, y), canvas.size[1] - text_h - 2)
        draw.rectangle((box.x1, y, box.x1 + text_w + 4, y + text_h + 2), fill=rgb)
        draw.text(
            (box.x1 + 2, y - top + 1), box.label, fill=(0, 0, 0) if sum(rgb) > 400 else (255, 255, 255), font=font
        )
    return canvas


def encode(image: Image.Image, fmt: str = "JPEG", *, quality: int = 90, max_side: int = 0) -> bytes:
    if max_side and max(image.size) > max_side:
        scale = max_side / max(image.size)
        image = image.resize((max(1, round(image.size[0] * scale)), max(1, round(image.size[1] * scale))))
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, fmt)
    return out.getvalue()
