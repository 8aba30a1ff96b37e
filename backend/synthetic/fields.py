"""Small vectorised image helpers shared by the document, degradation and scene code.

Images are float32 arrays in [0, 1], shape (H, W, 3); masks and fields are float32 (H, W). Blurs go
through Pillow on 8-bit data: plenty of precision for synthetic data, and much faster than numpy.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter


def smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int | tuple[int, int]) -> np.ndarray:
    """Smooth random field of shape (h, w), about zero-mean and unit spread, with ``cells`` bumps across.

    ``cells`` may be ``(rows, cols)`` for stretched noise (streaks, wood grain).
    """
    rows, cols = (cells, cells) if isinstance(cells, int) else cells
    coarse = rng.standard_normal((max(2, rows), max(2, cols))).astype(np.float32)
    field = Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(field, dtype=np.float32)


def fractal_noise(rng: np.random.Generator, h: int, w: int, cells: int, octaves: int = 3) -> np.ndarray:
    """Sum of smooth noises at doubling frequencies and halving amplitudes (clouds, stains, corrosion)."""
    total = np.zeros((h, w), dtype=np.float32)
    amplitude = 1.0
    for octave in range(octaves):
        total += amplitude * smooth_noise(rng, h, w, min(cells * 2**octave, max(h, w)))
        amplitude *= 0.5
    return total / 1.5


def grid(y0: int, y1: int, x0: int, x1: int) -> tuple[np.ndarray, np.ndarray]:
    """float32 pixel coordinates as a column (ys) and a row (xs) that broadcast to (y1 - y0, x1 - x0).

    Like ``np.ogrid`` but float32, so the full-size arrays computed from them stay float32 (twice as fast).
    """
    ys = np.arange(y0, y1, dtype=np.float32)[:, None]
    xs = np.arange(x0, x1, dtype=np.float32)[None, :]
    return ys, xs


def to_uint8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def to_float(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float32) * np.float32(1.0 / 255.0)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of an (H, W, 3) image or an (H, W) mask with values in [0, 1]."""
    if sigma <= 0:
        return image
    blurred = Image.fromarray(to_uint8(image)).filter(ImageFilter.GaussianBlur(sigma))
    return to_float(np.asarray(blurred))


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an (H, W, 3) uint8 image; the same pixels always give the same bytes."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def encode_jpeg(image: np.ndarray, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
