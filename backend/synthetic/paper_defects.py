"""Defects of the paper itself: texture, ink bleed, fading, show-through, stains, yellowing, creases, dust.

Each defect is a pair: ``sample_*(rng, size)`` draws its parameters (JSON-ready, recorded in the manifest)
and ``apply_*(image, params)`` applies them to a float (H, W, 3) image in [0, 1]. Pixel randomness comes
from ``params["seed"]``, so the recorded parameters alone reproduce the result. Nothing moves pixels:
pairs stay aligned with the clean page.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from backend.synthetic.fields import blur, fractal_noise, grid, smooth_noise, smoothstep

Params = dict[str, Any]

# translucent stain colours (what white paper turns into under them)
STAIN_COLOURS: dict[str, tuple[float, float, float]] = {
    "coffee": (0.72, 0.52, 0.32),
    "tea": (0.85, 0.70, 0.45),
    "water": (0.86, 0.86, 0.84),
    "rust": (0.80, 0.50, 0.30),
    "grease": (0.78, 0.76, 0.62),
}


def seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


def r3(value: float) -> float:
    return round(float(value), 3)


def paper_level(image: np.ndarray) -> np.ndarray:
    """Per-channel colour of the bare paper: a high quantile, since most of a page is paper."""
    return np.quantile(image[::4, ::4].reshape(-1, 3), 0.9, axis=0).astype(np.float32)


def sample_paper_texture(rng: np.random.Generator, size: int) -> Params:
    return {"amount": r3(rng.uniform(0.02, 0.07)), "grain_px": r3(rng.uniform(1.5, 4.0)), "seed": seed(rng)}


def apply_paper_texture(image: np.ndarray, p: Params) -> np.ndarray:
    rng = np.random.default_rng(p["seed"])
    h, w = image.shape[:2]
    grain = smooth_noise(rng, h, w, (int(h / p["grain_px"]), int(w / p["grain_px"])))
    cloud = fractal_noise(rng, h, w, cells=6)
    field = 1.0 + p["amount"] * (0.6 * grain + 0.4 * cloud)
    return image * field[..., None]


def sample_ink_bleed(rng: np.random.Generator, size: int) -> Params:
    return {"sigma": r3(rng.uniform(0.6, 1.6)), "gain": r3(rng.uniform(1.1, 1.9)), "seed": seed(rng)}


def apply_ink_bleed(image: np.ndarray, p: Params) -> np.ndarray:
    """Ink wicks into the fibres: strokes thicken and grow a soft, uneven halo."""
    rng = np.random.default_rng(p["seed"])
    paper = paper_level(image)
    dark = np.clip(paper - image, 0.0, 1.0)
    h, w = image.shape[:2]
    uneven = 1.0 + 0.3 * smooth_noise(rng, h, w, cells=max(2, h // 24))
    spread = blur(dark, p["sigma"]) * (p["gain"] * uneven)[..., None]
    return paper - np.maximum(dark, spread)


def sample_fade(rng: np.random.Generator, size: int) -> Params:
    return {"keep": r3(rng.uniform(0.3, 0.75)), "uneven": r3(rng.uniform(0.0, 0.35)), "seed": seed(rng)}


def apply_fade(image: np.ndarray, p: Params) -> np.ndarray:
    """Ink loses contrast towards the paper colour, more in some places than others."""
    rng = np.random.default_rng(p["seed"])
    h, w = image.shape[:2]
    keep = np.clip(p["keep"] * (1.0 + p["uneven"] * smooth_noise(rng, h, w, cells=3)), 0.1, 1.0)
    paper = paper_level(image)
    return paper + (image - paper) * keep[..., None]


def sample_bleed_through(rng: np.random.Generator, size: int) -> Params:
    return {
        "intensity": r3(rng.uniform(0.08, 0.3)),
        "sigma": r3(rng.uniform(0.8, 2.5)),
        "shift_x": r3(rng.uniform(-0.05, 0.05)),
        "shift_y": r3(rng.uniform(-0.3, 0.3)),
    }


def apply_bleed_through(image: np.ndarray, p: Params) -> np.ndarray:
    """The reverse side shows through: mirrored, blurred, faint ink (here: this page's ink, moved)."""
    h, w = image.shape[:2]
    paper = paper_level(image)
    ink = np.clip((paper - image).mean(axis=2) / max(float(paper.mean()), 1e-3), 0.0, 1.0)
    back = np.roll(ink[:, ::-1], (int(p["shift_y"] * h), int(p["shift_x"] * w)), axis=(0, 1))
    back = blur(back, p["sigma"])
    return image * (1.0 - p["intensity"] * back)[..., None]


def sample_stain(rng: np.random.Generator, size: int) -> Params:
    stains = []
    for _ in range(int(rng.integers(1, 4))):
        stains.append(
            {
                "x": r3(rng.uniform(0, 1)),
                "y": r3(rng.uniform(0, 1)),
                "radius": r3(rng.uniform(0.08, 0.35)),
                "aspect": r3(rng.uniform(0.6, 1.0)),
                "angle": r3(rng.uniform(0, np.pi)),
                "colour": str(rng.choice(list(STAIN_COLOURS))),
                "opacity": r3(rng.uniform(0.15, 0.5)),
                "ring": r3(rng.uniform(0.0, 0.6)),
                "ring_width": r3(rng.uniform(0.03, 0.12)),
            }
        )
    return {"stains": stains, "seed": seed(rng)}


def apply_stain(image: np.ndarray, p: Params) -> np.ndarray:
    """Translucent liquid stains: an irregular tinted body and, as they dry, a darker rim."""
    rng = np.random.default_rng(p["seed"])
    h, w = image.shape[:2]
    out = image.copy()
    for s in p["stains"]:
        radius = s["radius"] * min(h, w)
        reach = int(radius * 1.4) + 2
        cx, cy = int(s["x"] * w), int(s["y"] * h)
        x0, x1, y0, y1 = max(0, cx - reach), min(w, cx + reach), max(0, cy - reach), min(h, cy + reach)
        if x1 <= x0 or y1 <= y0:
            continue
        ys, xs = grid(y0, y1, x0, x1)
        dx, dy = xs - cx, ys - cy
        cos, sin = np.cos(s["angle"]), np.sin(s["angle"])
        u = (dx * cos + dy * sin) / radius
        v = (dy * cos - dx * sin) / (radius * s["aspect"])
        edge = fractal_noise(rng, y1 - y0, x1 - x0, cells=4)
        r = np.sqrt(u * u + v * v) + 0.18 * edge
        body = smoothstep((1.0 - r) / 0.2) * (0.75 + 0.25 * smooth_noise(rng, y1 - y0, x1 - x0, cells=6))
        rim = np.exp(-(((r - 1.0) / s["ring_width"]) ** 2))
        density = np.clip(s["opacity"] * (body + s["ring"] * rim), 0.0, 0.9)
        tint = 1.0 - np.array(STAIN_COLOURS[s["colour"]], dtype=np.float32)
        out[y0:y1, x0:x1] *= 1.0 - density[..., None] * tint
    return out


def sample_color_cast(rng: np.random.Generator, size: int) -> Params:
    if rng.random() < 0.6:  # aged, yellowed paper
        gains = [1.0, rng.uniform(0.93, 0.99), rng.uniform(0.78, 0.93)]
        kind = "yellowing"
    else:  # a scanner or camera with the wrong white balance
        gains = list(rng.uniform(0.9, 1.06, 3))
        kind = "white_balance"
    return {"kind": kind, "gains": [r3(g) for g in gains], "offset": r3(rng.uniform(-0.03, 0.03))}


def apply_color_cast(image: np.ndarray, p: Params) -> np.ndarray:
    return image * np.array(p["gains"], dtype=np.float32) + p["offset"]


def sample_crease(rng: np.random.Generator, size: int) -> Params:
    folds = []
    for _ in range(int(rng.integers(1, 3))):
        folds.append(
            {
                "angle": r3(rng.choice([0.0, np.pi / 2]) + rng.uniform(-0.2, 0.2)),
                "position": r3(rng.uniform(0.2, 0.8)),
                "width": r3(rng.uniform(0.01, 0.04)),
                "dark": r3(rng.uniform(0.06, 0.22)),
                "light": r3(rng.uniform(0.02, 0.1)),
                "line": r3(rng.uniform(0.1, 0.35)),
                "wobble_px": r3(rng.uniform(0.0, 3.0)),
            }
        )
    return {"folds": folds, "seed": seed(rng)}


def apply_crease(image: np.ndarray, p: Params) -> np.ndarray:
    """A fold: shadow on one side, a highlight on the other, broken fibres along the line."""
    rng = np.random.default_rng(p["seed"])
    h, w = image.shape[:2]
    ys, xs = grid(0, h, 0, w)
    shade = np.ones((h, w), dtype=np.float32)
    for f in p["folds"]:
        nx, ny = np.cos(f["angle"]), np.sin(f["angle"])
        d = ((xs - w / 2) * nx + (ys - h / 2) * ny).astype(np.float32) - (f["position"] - 0.5) * min(h, w)
        d = d + f["wobble_px"] * smooth_noise(rng, h, w, cells=4)
        width = f["width"] * min(h, w)
        fibres = 0.6 + 0.4 * np.abs(smooth_noise(rng, h, w, cells=max(2, min(h, w) // 6)))
        shade *= np.where(d > 0, 1.0 - f["dark"] * np.exp(-d / width), 1.0 + f["light"] * np.exp(d / width))
        shade *= 1.0 - f["line"] * fibres * np.exp(-(d * d) / 1.5)
    return image * shade[..., None]


def sample_speckle(rng: np.random.Generator, size: int) -> Params:
    return {
        "per_megapixel": r3(rng.uniform(100, 900)),
        "max_radius_px": r3(rng.uniform(0.8, 2.5)),
        "dark_share": r3(rng.uniform(0.6, 1.0)),
        "strength": r3(rng.uniform(0.4, 0.9)),
        "seed": seed(rng),
    }


def apply_speckle(image: np.ndarray, p: Params) -> np.ndarray:
    """Dust and dirt specks: small irregular dots, mostly dark, some bright (holes, lint)."""
    rng = np.random.default_rng(p["seed"])
    h, w = image.shape[:2]
    n = max(1, int(rng.poisson(p["per_megapixel"] * h * w / 1e6)))
    centres = rng.random((n, 2)) * (w, h)
    radii = 0.3 + rng.random((n, 2)) * (p["max_radius_px"] - 0.3)
    dark_dots = rng.random(n) < p["dark_share"]
    masks = {True: Image.new("L", (w, h), 0), False: Image.new("L", (w, h), 0)}
    draws = {key: ImageDraw.Draw(mask) for key, mask in masks.items()}
    for (x, y), (rx, ry), dark in zip(centres.tolist(), radii.tolist(), dark_dots.tolist(), strict=True):
        draws[dark].ellipse((x - rx, y - ry, x + rx, y + ry), fill=255)
    dark_mask = blur(np.asarray(masks[True], dtype=np.float32) / 255.0, 0.5) * p["strength"]
    light_mask = blur(np.asarray(masks[False], dtype=np.float32) / 255.0, 0.5) * p["strength"]
    out = image * (1.0 - dark_mask)[..., None]
    return out + (1.0 - out) * light_mask[..., None]
