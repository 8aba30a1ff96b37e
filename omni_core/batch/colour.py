"""Colour modes a network does not take, to and from the RGB or grey pixels it does (numpy and Pillow only).

Print and scientific files come in modes other than grey and RGB. Each is converted for the network and
the restored pixels converted back, so the output is written in the input's mode where its format can
hold it:

- CMYK (print JPEGs and TIFFs): the naive model (R = (255 - C) (255 - K) / 255) and its exact inverse,
  keeping the input's black (K) wherever the restored colour allows it (text printed in black alone stays
  in black alone) and lowering it only where a pixel became lighter than that black permits. No colour
  management: the numbers keep the meaning the input's own ICC profile gives them, and that profile is
  written back unchanged.
- YCbCr and CIE L*a*b* TIFFs: through Pillow's conversions (L*a*b* through LittleCMS, D50).
- 32-bit integer (I) and float (F) grey: restored at 16-bit precision, mapped onto 0-65535 and back.
  Integers within 0-65535 are kept as they are; floats within 0-1, 0-255 or 0-65535 take that whole
  range (a dim image stays dim); other values run from 0 (or their minimum, if negative) to their maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms

#: modes converted to RGB for the network and back for the output
COLOUR_MODES = ("CMYK", "YCbCr", "LAB")
#: grey modes wider than 16 bits, restored as 16-bit grey
WIDE_GREY_MODES = ("I", "F")
#: the formats that can store each converted mode as it is
KEEPS_MODE = {"CMYK": ("JPEG", "TIFF"), "YCbCr": ("TIFF",), "LAB": ("TIFF",), "I": ("TIFF",), "F": ("TIFF",)}
U16_MAX = 65535


def cmyk_to_rgb(cmyk: np.ndarray) -> np.ndarray:
    """HxWx4 uint8 CMYK -> HxWx3 uint8 RGB, by R = (255 - C)(255 - K) / 255."""
    values = cmyk.astype(np.float32)
    white = 255.0 - values[:, :, 3:4]
    rgb = (255.0 - values[:, :, :3]) * white / 255.0
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def rgb_to_cmyk(rgb: np.ndarray, black: np.ndarray | None = None) -> np.ndarray:
    """HxWx3 uint8 RGB -> HxWx4 uint8 CMYK, the inverse of ``cmyk_to_rgb``. K is ``black`` (HxW, the input's)
    where the colour allows it, else the most it allows (255 - max(R, G, B)); C, M and Y make up the rest."""
    values = rgb.astype(np.float32)
    brightest = values.max(axis=2, keepdims=True)
    k = 255.0 - brightest
    if black is not None:
        k = np.minimum(k, black.astype(np.float32)[:, :, None])
    white = 255.0 - k  # >= brightest, so each of C, M, Y is within 0..255
    safe = np.where(white > 0, white, 1.0)
    cmy = np.where(white > 0, 255.0 - values * 255.0 / safe, 0.0)
    cmyk = np.concatenate([cmy, k], axis=2)
    return np.clip(np.rint(cmyk), 0, 255).astype(np.uint8)


def _lab_transform(to_rgb: bool) -> ImageCms.ImageCmsTransform:
    lab, srgb = ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB")
    if to_rgb:
        return ImageCms.buildTransform(lab, srgb, "LAB", "RGB")
    return ImageCms.buildTransform(srgb, lab, "RGB", "LAB")


def to_rgb(image: Image.Image) -> np.ndarray:
    """The HxWx3 uint8 RGB pixels of a CMYK, YCbCr or LAB image."""
    if image.mode == "CMYK":
        return cmyk_to_rgb(np.asarray(image))
    if image.mode == "LAB":
        converted = ImageCms.applyTransform(image, _lab_transform(to_rgb=True))
        assert converted is not None
        return np.asarray(converted)
    return np.asarray(image.convert("RGB"))


def from_rgb(rgb: np.ndarray, mode: str, black: np.ndarray | None = None) -> Image.Image:
    """HxWx3 uint8 RGB pixels as an image of ``mode`` (CMYK, YCbCr or LAB); ``black``: see ``rgb_to_cmyk``."""
    if mode == "CMYK":
        return Image.fromarray(rgb_to_cmyk(rgb, black), "CMYK")
    image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    if mode == "LAB":
        converted = ImageCms.applyTransform(image, _lab_transform(to_rgb=False))
        assert converted is not None
        return converted
    return image.convert(mode)


@dataclass(frozen=True)
class ValueRange:
    """How wide grey values were mapped onto 0-65535: ``value = low + u16 * (high - low) / 65535``."""

    low: float
    high: float
    scaled: bool  # False: integers already within 0-65535, kept as they are


def to_uint16(values: np.ndarray) -> tuple[np.ndarray, ValueRange]:
    """HxW integer or float grey -> HxW uint16, and the mapping back."""
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 0.0
    if values.dtype.kind in "iu" and low >= 0 and high <= U16_MAX:
        return values.astype(np.uint16), ValueRange(0.0, float(U16_MAX), scaled=False)
    if low >= 0:
        ladder = (1.0, 255.0, float(U16_MAX)) if values.dtype.kind == "f" else ()
        low, high = 0.0, next((top for top in ladder if high <= top), high)
    span = high - low
    clean = np.nan_to_num(values.astype(np.float64), nan=low, posinf=high, neginf=low)
    unit = (clean - low) / span if span > 0 else np.zeros_like(clean)
    return np.rint(np.clip(unit, 0, 1) * U16_MAX).astype(np.uint16), ValueRange(low, high, scaled=True)


def from_uint16(values: np.ndarray, mapping: ValueRange, mode: str) -> np.ndarray:
    """HxW uint16 -> the input's values (int32 for I, float32 for F) by ``mapping``."""
    if not mapping.scaled:
        return values.astype(np.int32 if mode == "I" else np.float32)
    restored = mapping.low + values.astype(np.float64) * (mapping.high - mapping.low) / U16_MAX
    if mode == "I":
        return np.rint(restored).astype(np.int32)
    return restored.astype(np.float32)
