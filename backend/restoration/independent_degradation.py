"""Degradations for scoring on real images, written independently of our generator.

Nothing here imports ``backend.synthetic``: the noise is scikit-image's ``random_noise``, the blur SciPy's
``gaussian_filter``, the JPEG Pillow's encoder, and the fading and uneven light a few lines of NumPy. A model
that merely learned the quirks of our own generator gains nothing from them. The three cases are the ones
issue 16 measured with:

- ``noise_jpeg35``: Gaussian noise (sigma 0.06) then JPEG quality 35;
- ``blur_noise``: Gaussian blur (sigma 1.2 px) then Gaussian noise (sigma 0.02);
- ``fade_light_jpeg50``: faded contrast toward a warm paper grey, uneven light (a tilted plane of gain), JPEG 50.

Every case is a pure function of the image and a seed.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter
from skimage.util import random_noise

Degrade = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB")).copy()


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def noise_jpeg35(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    noisy = random_noise(image, mode="gaussian", var=0.06**2, rng=rng)
    return _jpeg(_to_uint8(noisy), 35)


def blur_noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    blurred = gaussian_filter(image.astype(np.float64) / 255.0, sigma=(1.2, 1.2, 0))
    return _to_uint8(random_noise(blurred, mode="gaussian", var=0.02**2, rng=rng))


def fade_light_jpeg50(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    height, width = image.shape[:2]
    paper = np.array([0.86, 0.82, 0.72])  # a warm, aged grey the contrast fades toward
    strength = rng.uniform(0.25, 0.35)
    faded = image.astype(np.float64) / 255.0 * (1 - strength) + paper * strength
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width]
    ramp = (np.cos(angle) * (xs / max(width - 1, 1) - 0.5) + np.sin(angle) * (ys / max(height - 1, 1) - 0.5)) * 2
    gain = 1.0 - 0.18 * (ramp + 1) / 2  # up to 18% darker on one side
    return _jpeg(_to_uint8(faded * gain[..., None]), 50)


CASES: dict[str, Degrade] = {
    "noise_jpeg35": noise_jpeg35,
    "blur_noise": blur_noise,
    "fade_light_jpeg50": fade_light_jpeg50,
}


def degrade(image: np.ndarray, case: str, seed: int) -> np.ndarray:
    """``image`` (RGB uint8) degraded by ``case``, the same for the same seed."""
    if case not in CASES:
        raise ValueError(f"case: unknown degradation {case!r}; one of {', '.join(CASES)}")
    return CASES[case](image, np.random.default_rng(seed))
