"""The pixel operations of the degradation model: filtering, resizing, sensor noise, JPEG.

Images are float32 (H, W, 3) RGB in [0, 1]. Noise follows BasicSR's ``add_gaussian_noise`` and
``add_poisson_noise`` (sigma in 0-255 units; Poisson at the image's own number of grey levels), JPEG is
OpenCV's libjpeg at an integer quality. Every random draw comes from the generator passed in.
"""

from __future__ import annotations

import cv2
import numpy as np

#: resize modes of Real-ESRGAN (torch's ``area``/``bilinear``/``bicubic``) as OpenCV interpolations
RESIZE_MODES = {"area": cv2.INTER_AREA, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}
#: ITU-R BT.601 luma weights, as OpenCV's RGB -> grey
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def filter2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolve each channel with ``kernel`` (edges reflected, as torch's reflect padding in BasicSR)."""
    flipped = np.ascontiguousarray(kernel[::-1, ::-1], dtype=np.float32)  # filter2D correlates
    return cv2.filter2D(image, -1, flipped, borderType=cv2.BORDER_REFLECT_101)


def resize(image: np.ndarray, width: int, height: int, mode: str) -> np.ndarray:
    """Resample to ``width`` x ``height``; area falls back to bilinear when enlarging (what it means there)."""
    if (image.shape[1], image.shape[0]) == (width, height):
        return image
    enlarging = width > image.shape[1] or height > image.shape[0]
    interpolation = cv2.INTER_LINEAR if mode == "area" and enlarging else RESIZE_MODES[mode]
    return cv2.resize(image, (max(1, width), max(1, height)), interpolation=interpolation)


def gaussian_noise(image: np.ndarray, rng: np.random.Generator, sigma: float, grey: bool) -> np.ndarray:
    """Additive white Gaussian noise of ``sigma`` (0-255 units), the same in the three channels when ``grey``."""
    h, w = image.shape[:2]
    shape = (h, w, 1) if grey else (h, w, 3)
    noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma / 255.0)
    return np.clip(image + noise, 0.0, 1.0)


def poisson_noise(image: np.ndarray, rng: np.random.Generator, scale: float, grey: bool) -> np.ndarray:
    """Shot noise: photon counts at the image's number of distinct levels (rounded up to a power of two),
    scaled by ``scale``; computed on luma and shared by the channels when ``grey``."""
    base = image @ LUMA if grey else image
    levels8 = np.clip(np.rint(base * 255.0), 0, 255)
    values = len(np.unique(levels8))
    vals = float(1 << (max(values, 2) - 1).bit_length())  # levels rounded up to a power of two
    quantised = levels8 / 255.0
    counts = rng.poisson(quantised * vals).astype(np.float32)
    noise = (counts / np.float32(vals) - quantised.astype(np.float32)) * np.float32(scale)
    if grey:
        noise = noise[..., None]
    return np.clip(image + noise, 0.0, 1.0)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode as a baseline JPEG (4:2:0) at ``quality`` and decode again: 8x8 blocks, ringing, colour bleeding."""
    pixels = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    )
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise RuntimeError("OpenCV could not encode a JPEG")
    bgr = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    if bgr is None:  # pragma: no cover - decoding what OpenCV just encoded
        raise RuntimeError("OpenCV could not decode its own JPEG")
    decoded = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return decoded.astype(np.float32) * np.float32(1.0 / 255.0)
