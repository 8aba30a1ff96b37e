"""Defects of taking the picture: shadows, uneven light, optics, resampling, the sensor, compression.

Same contract as ``paper_defects``: ``sample_*`` draws JSON-ready parameters, ``apply_*`` applies them
to a float (H, W, 3) image in [0, 1] without moving any pixel.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from backend.synthetic.fields import blur, grid, smooth_noise, smoothstep, to_float, to_uint8
from backend.synthetic.paper_defects import Params, r3, seed

RESAMPLING = {
    "nearest": Image.Resampling.NEAREST,
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
}


def sample_shadow(rng: np.random.Generator, size: int) -> Params:
    return {
        "edge": int(rng.integers(4)),  # 0 left, 1 top, 2 right, 3 bottom
        "reach": r3(rng.uniform(0.1, 0.6)),
        "tilt": r3(rng.uniform(-0.45, 0.45)),
        "curve": r3(rng.uniform(-0.3, 0.3)),
        "softness": r3(rng.uniform(0.02, 0.25)),
        "darkness": r3(rng.uniform(0.2, 0.6)),
    }


def apply_shadow(image: np.ndarray, p: Params) -> np.ndarray:
    """The shadow of a hand, phone or book over one side of the page, soft-edged and slightly blue."""
    h, w = image.shape[:2]
    side = min(h, w)
    ys, xs = grid(0, h, 0, w)
    # coordinates with the shadowed edge on the left
    along, across = {
        0: (ys / h, xs / w),
        1: (xs / w, ys / h),
        2: (ys / h, 1.0 - xs / w),
        3: (xs / w, 1.0 - ys / h),
    }[p["edge"]]
    boundary = p["reach"] + p["tilt"] * (along - 0.5) + p["curve"] * (along - 0.5) ** 2
    inside = smoothstep(((boundary - across) * side / max(p["softness"] * side, 1.0) + 1.0) / 2.0)
    tint = np.array([0.93, 0.96, 1.0], dtype=np.float32)
    return image * (1.0 - p["darkness"] * inside.astype(np.float32)[..., None] * tint)


def sample_uneven_lighting(rng: np.random.Generator, size: int) -> Params:
    return {
        "strength": r3(rng.uniform(0.08, 0.3)),
        "cells": int(rng.integers(2, 5)),
        "gradient": r3(rng.uniform(0.0, 0.3)),
        "angle": r3(rng.uniform(0, 2 * np.pi)),
        "vignette": r3(rng.uniform(0.0, 0.35)),
        "seed": seed(rng),
    }


def apply_uneven_lighting(image: np.ndarray, p: Params) -> np.ndarray:
    rng = np.random.default_rng(p["seed"])
    h, w = image.shape[:2]
    ys, xs = grid(0, h, 0, w)
    u, v = xs / w - 0.5, ys / h - 0.5
    ramp = u * np.cos(p["angle"]) + v * np.sin(p["angle"])
    field = 1.0 + 0.5 * p["strength"] * smooth_noise(rng, h, w, p["cells"]) + p["gradient"] * ramp
    field = field - p["vignette"] * 2.0 * (u * u + v * v)
    return image * np.clip(field, 0.3, 1.4).astype(np.float32)[..., None]


def sample_blur(rng: np.random.Generator, size: int) -> Params:
    return {"sigma": r3(rng.uniform(0.5, 2.0))}


def apply_blur(image: np.ndarray, p: Params) -> np.ndarray:
    return blur(image, p["sigma"])


def sample_motion_blur(rng: np.random.Generator, size: int) -> Params:
    return {"length_px": int(rng.integers(3, 12)), "angle": r3(rng.uniform(0, np.pi))}


def apply_motion_blur(image: np.ndarray, p: Params) -> np.ndarray:
    """Camera shake: the mean of copies shifted along a line (edges repeated, so nothing moves overall)."""
    h, w = image.shape[:2]
    n = p["length_px"]
    offsets = np.linspace(-(n - 1) / 2, (n - 1) / 2, n)
    dxs = np.rint(offsets * np.cos(p["angle"])).astype(int)
    dys = np.rint(offsets * np.sin(p["angle"])).astype(int)
    pad = n // 2 + 1
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    total = np.zeros_like(image)
    for dx, dy in zip(dxs.tolist(), dys.tolist(), strict=True):
        total += padded[pad + dy : pad + dy + h, pad + dx : pad + dx + w]
    return total / n


def sample_low_resolution(rng: np.random.Generator, size: int) -> Params:
    return {
        "factor": r3(rng.uniform(1.5, 4.0)),
        "down": str(rng.choice(["box", "bilinear", "nearest"])),
        "up": str(rng.choice(["nearest", "bilinear", "bicubic"])),
    }


def apply_low_resolution(image: np.ndarray, p: Params) -> np.ndarray:
    """Scanned or photographed at a lower resolution, then scaled back up to the page size."""
    h, w = image.shape[:2]
    small_size = (max(8, int(w / p["factor"])), max(8, int(h / p["factor"])))
    picture = Image.fromarray(to_uint8(image))
    small = picture.resize(small_size, RESAMPLING[p["down"]])
    return to_float(np.asarray(small.resize((w, h), RESAMPLING[p["up"]])))


def sample_streaks(rng: np.random.Generator, size: int) -> Params:
    lines = [
        [r3(rng.uniform(0, 1)), r3(rng.uniform(0.5, 3.0)), r3(rng.uniform(-0.35, 0.15))]
        for _ in range(int(rng.integers(1, 8)))
    ]
    return {
        "vertical": bool(rng.random() < 0.7),
        "lines": lines,  # [position, width px, brightness change]
        "banding": r3(rng.uniform(0.0, 0.04)),
        "seed": seed(rng),
    }


def apply_streaks(image: np.ndarray, p: Params) -> np.ndarray:
    """Scanner streaks: dust on the sensor bar leaves lines the whole length of the scan, plus banding."""
    rng = np.random.default_rng(p["seed"])
    h, w = image.shape[:2]
    length = w if p["vertical"] else h
    pos = np.arange(length, dtype=np.float32)
    profile = p["banding"] * smooth_noise(rng, 1, length, (1, max(2, length // 8)))[0]
    for centre, width, change in p["lines"]:
        profile += change * np.exp(-(((pos - centre * length) / width) ** 2))
    gain = 1.0 + profile
    return image * (gain[None, :, None] if p["vertical"] else gain[:, None, None])


def sample_noise(rng: np.random.Generator, size: int) -> Params:
    return {
        "sigma": r3(rng.uniform(0.01, 0.07)),
        "signal_dependence": r3(rng.uniform(0.0, 1.0)),
        "monochrome": bool(rng.random() < 0.5),
        "seed": seed(rng),
    }


def apply_noise(image: np.ndarray, p: Params) -> np.ndarray:
    """Sensor noise: Gaussian, partly signal-dependent (shot noise), colour or monochrome."""
    rng = np.random.default_rng(p["seed"])
    h, w = image.shape[:2]
    channels = 1 if p["monochrome"] else 3
    noise = rng.standard_normal((h, w, channels), dtype=np.float32)
    k = p["signal_dependence"]
    sigma = p["sigma"] * ((1.0 - k) + k * np.sqrt(np.clip(image, 0.0, 1.0)))
    return image + sigma * noise


def sample_salt_pepper(rng: np.random.Generator, size: int) -> Params:
    return {
        "amount": r3(rng.uniform(0.001, 0.02)),
        "salt_share": r3(rng.uniform(0.2, 0.8)),
        "seed": seed(rng),
    }


def apply_salt_pepper(image: np.ndarray, p: Params) -> np.ndarray:
    rng = np.random.default_rng(p["seed"])
    u = rng.random(image.shape[:2], dtype=np.float32)
    out = image.copy()
    salt = p["amount"] * p["salt_share"]
    out[u < salt] = 1.0
    out[(u >= salt) & (u < p["amount"])] = 0.0
    return out


def sample_jpeg(rng: np.random.Generator, size: int) -> Params:
    return {"quality": int(rng.integers(10, 71)), "subsampling": str(rng.choice(["4:2:0", "4:4:4"]))}


def apply_jpeg(image: np.ndarray, p: Params) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(image)).save(buffer, format="JPEG", quality=p["quality"], subsampling=p["subsampling"])
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return to_float(np.asarray(decoded.convert("RGB")))
