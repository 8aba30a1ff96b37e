"""The objects a detector learns to find, drawn as sprites: dent, dirt, rust, scratch, spoiled, mold.

A sprite is a small patch: ``alpha`` (coverage), ``colour`` (what covers) and optionally ``shade`` (a
multiplier for relief such as a dent, which changes the light rather than covering the surface). The
ground-truth box is computed from the pixels a sprite visibly changes, so it is tight by construction.
Class names beyond the defaults get a generic textured shape whose look derives from the name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from backend.synthetic.fields import blur, fractal_noise, smooth_noise, smoothstep

#: a pixel counts as part of an object when it is covered this much, or its light changes this much
VISIBLE_ALPHA = 0.12
VISIBLE_SHADE = 0.06


@dataclass
class Sprite:
    alpha: np.ndarray  # (h, w) float32 in [0, 1]
    colour: np.ndarray  # (h, w, 3) float32
    shade: np.ndarray | None = None  # (h, w) float32 multiplier, 1 = unchanged

    def visible(self) -> np.ndarray:
        mask = self.alpha > VISIBLE_ALPHA
        if self.shade is not None:
            mask |= np.abs(self.shade - 1.0) > VISIBLE_SHADE
        return mask


def _disc(side: int) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in [-1, 1] over a side x side patch."""
    ys, xs = np.ogrid[0:side, 0:side]
    scale = 2.0 / max(side - 1, 1)
    return (xs * scale - 1.0).astype(np.float32), (ys * scale - 1.0).astype(np.float32)


def _ellipse_radius(rng: np.random.Generator, side: int, aspect: float, roughness: float) -> np.ndarray:
    """Distance from the centre of a rotated ellipse with a noisy outline (1 = the outline)."""
    x, y = _disc(side)
    angle = rng.uniform(0, np.pi)
    u = x * np.cos(angle) + y * np.sin(angle)
    v = (y * np.cos(angle) - x * np.sin(angle)) / aspect
    return np.sqrt(u * u + v * v) / 0.9 + roughness * fractal_noise(rng, side, side, cells=4)


def _mix(low: np.ndarray, high: np.ndarray, t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)[..., None]
    return (low * (1 - t) + high * t).astype(np.float32)


def dent(rng: np.random.Generator, extent: int) -> Sprite:
    """A shallow bowl in the steel: lit on one side, in shadow on the other, darker where deepest."""
    side = max(8, extent)
    rho = _ellipse_radius(rng, side, float(rng.uniform(0.45, 1.0)), 0.06)
    depth = smoothstep(1.0 - rho) ** 1.5
    gy, gx = np.gradient(depth)
    angle = rng.uniform(0, 2 * np.pi)
    relief = (gx * np.cos(angle) + gy * np.sin(angle)) * side * float(rng.uniform(0.1, 0.22))
    shade = np.clip(1.0 + relief - 0.1 * depth, 0.5, 1.6).astype(np.float32)
    alpha = np.zeros((side, side), dtype=np.float32)
    if rng.random() < 0.3:  # paint cracked at the bottom of the dent, showing dark primer
        cracks = np.clip(0.6 + fractal_noise(rng, side, side, 6), 0, 1)
        alpha = (smoothstep((depth - 0.75) / 0.2) * 0.4 * cracks).astype(np.float32)
    colour = np.broadcast_to(np.array([0.25, 0.2, 0.18], dtype=np.float32), (side, side, 3))
    return Sprite(alpha, colour, shade)


def dirt(rng: np.random.Generator, extent: int) -> Sprite:
    """Brown mud: an irregular blotch of uneven density with splashed specks around it."""
    side = max(8, extent)
    rho = _ellipse_radius(rng, side, float(rng.uniform(0.5, 1.0)), 0.35) * 1.25
    density = np.clip(0.55 + 0.7 * fractal_noise(rng, side, side, cells=5), 0.0, 1.0)
    alpha = smoothstep((1.0 - rho) / 0.3) * density
    specks = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(specks)
    for x, y, r in zip(
        *(rng.random((3, int(rng.integers(5, 30)))) * [[side], [side], [max(1.0, side / 30)]]), strict=True
    ):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    alpha = np.maximum(alpha, np.asarray(specks, dtype=np.float32) / 255.0 * 0.8)
    alpha *= float(rng.uniform(0.6, 0.92))
    brown = np.array([0.36, 0.27, 0.17] if rng.random() < 0.6 else [0.58, 0.5, 0.38], dtype=np.float32)
    brown = brown * rng.uniform(0.75, 1.15)
    colour = _mix(brown * 0.6, brown * 1.3, 0.5 + 0.5 * smooth_noise(rng, side, side, cells=6))
    return Sprite(alpha.astype(np.float32), colour)


def rust(rng: np.random.Generator, extent: int) -> Sprite:
    """Corrosion: a pitted orange-brown patch, often bleeding streaks downwards."""
    width = max(8, extent)
    streak_len = int(width * rng.uniform(0.4, 1.4)) if rng.random() < 0.6 else 0
    height = width + streak_len
    rho = _ellipse_radius(rng, width, float(rng.uniform(0.5, 1.0)), 0.35) * 1.2
    texture = fractal_noise(rng, height, width, cells=max(3, width // 12))
    alpha = np.zeros((height, width), dtype=np.float32)
    alpha[:width] = smoothstep((1.0 - rho) / 0.35)
    if streak_len:
        columns = np.clip(smooth_noise(rng, 1, width, (1, max(3, width // 5)))[0], 0.0, None)
        source = alpha[:width].max(axis=0)
        fall = np.linspace(1.0, 0.0, height, dtype=np.float32)[:, None] ** 0.7
        rows = np.arange(height)[:, None]
        below = rows > np.argmax(alpha[:width] > 0.5, axis=0)[None, :] + width // 3
        alpha = np.maximum(alpha, np.where(below, 0.55 * columns * source * fall, 0.0)).astype(np.float32)
    alpha = np.clip(alpha * (0.9 + 0.25 * texture), 0.0, 1.0)
    dark = np.array([0.27, 0.12, 0.06], dtype=np.float32)
    bright = np.array([0.70, 0.36, 0.13], dtype=np.float32) * rng.uniform(0.85, 1.1)
    colour = _mix(dark, bright, 0.45 + 0.45 * texture)
    return Sprite(alpha, colour)


def scratch(rng: np.random.Generator, extent: int) -> Sprite:
    """One to four thin near-parallel strokes: bare bright metal, or dark gouges."""
    side = max(8, extent)
    mask = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mask)
    heading = rng.uniform(0, np.pi)
    width = max(1, round(side / 120 * float(rng.uniform(0.6, 1.6))))
    for _ in range(int(rng.integers(1, 5))):
        length = side * float(rng.uniform(0.55, 0.95))
        angle = heading + rng.normal(0, 0.08)
        start = np.array([side / 2, side / 2]) - np.array([np.cos(angle), np.sin(angle)]) * length / 2
        start += rng.normal(0, side * 0.06, 2)
        turns = np.cumsum(rng.normal(0, 0.05, 12))
        steps = np.stack([np.cos(angle + turns), np.sin(angle + turns)], axis=1) * length / 12
        points = np.vstack([start, start + np.cumsum(steps, axis=0)])
        draw.line([tuple(p) for p in points.tolist()], fill=255, width=width, joint="curve")
    alpha = np.asarray(mask, dtype=np.float32) / 255.0 * float(rng.uniform(0.75, 1.0))
    tone = rng.random()
    base = [0.86, 0.86, 0.84] if tone < 0.55 else [0.16, 0.15, 0.14] if tone < 0.85 else [0.55, 0.3, 0.22]
    colour = np.broadcast_to(np.array(base, dtype=np.float32), (side, side, 3))
    return Sprite(alpha, colour)


def spoiled(rng: np.random.Generator, extent: int) -> Sprite:
    """Rot: a soft, dark, wet-looking patch with a water-soaked halo."""
    side = max(8, extent)
    rho = _ellipse_radius(rng, side, float(rng.uniform(0.6, 1.0)), 0.2) * 1.15
    core = smoothstep((1.0 - rho) / 0.55)
    halo = smoothstep((1.12 - rho) / 0.25) * 0.35
    alpha = np.maximum(core * float(rng.uniform(0.75, 0.95)), halo).astype(np.float32)
    dark = np.array([0.10, 0.07, 0.04], dtype=np.float32)
    brown = np.array([0.38, 0.25, 0.12], dtype=np.float32) * rng.uniform(0.8, 1.15)
    colour = _mix(brown, dark, core * (0.7 + 0.3 * smooth_noise(rng, side, side, cells=4)))
    shade = (1.0 - 0.15 * core).astype(np.float32)
    return Sprite(alpha, colour, shade)


def mold(rng: np.random.Generator, extent: int) -> Sprite:
    """Fuzzy colonies: white centres, green or blue-green rims, spores around."""
    side = max(8, extent)
    x, y = _disc(side)
    fuzz = blur(rng.random((side, side), dtype=np.float32), 0.7)
    alpha = np.zeros((side, side), dtype=np.float32)
    rim = np.zeros((side, side), dtype=np.float32)
    for _ in range(int(rng.integers(1, 6))):
        cx, cy = rng.uniform(-0.45, 0.45, 2)
        r = float(rng.uniform(0.2, 0.5))
        rho = np.sqrt((x - cx) ** 2 + (y - cy) ** 2) / r + 0.25 * (fuzz - 0.5)
        colony = smoothstep((1.0 - rho) / 0.4)
        alpha = np.maximum(alpha, colony)
        rim = np.maximum(rim, colony * smoothstep((rho - 0.3) / 0.5))
    spores = (rng.random((side, side)) < 0.015).astype(np.float32) * smoothstep(1.0 - np.sqrt(x * x + y * y))
    alpha = np.clip(np.maximum(alpha * (0.7 + 0.5 * fuzz), spores * 0.7), 0.0, 1.0) * float(rng.uniform(0.8, 1.0))
    white = np.array([0.92, 0.93, 0.88], dtype=np.float32)
    green = [np.array(c, dtype=np.float32) for c in ([0.33, 0.52, 0.26], [0.28, 0.48, 0.45], [0.55, 0.6, 0.45])]
    colour = _mix(white, green[int(rng.integers(3))], rim)
    return Sprite(alpha.astype(np.float32), colour)


def generic(name: str) -> Callable[[np.random.Generator, int], Sprite]:
    """A distinct textured shape for a user's class: colour, outline and pattern derive from the name."""
    digest = hashlib.sha256(name.encode()).digest()
    hue = digest[0] / 255.0
    shape = digest[1] % 5
    pattern = digest[2] % 4
    frequency = 3 + digest[3] % 6
    base = _hue_rgb(hue)

    def draw(rng: np.random.Generator, extent: int) -> Sprite:
        side = max(8, extent)
        mask = Image.new("L", (side, side), 0)
        canvas = ImageDraw.Draw(mask)
        m = side * 0.05
        if shape == 0:
            canvas.ellipse((m, m + side * 0.15, side - m, side - m - side * 0.15), fill=255)
        elif shape == 1:
            canvas.rectangle((m, m, side - m, side - m), fill=255)
        elif shape == 2:
            canvas.polygon([(side / 2, m), (side - m, side - m), (m, side - m)], fill=255)
        elif shape == 3:
            canvas.ellipse((m, m, side - m, side - m), fill=255)
            canvas.ellipse((side * 0.32, side * 0.32, side * 0.68, side * 0.68), fill=0)
        else:
            radii = np.where(np.arange(10) % 2 == 0, 1.0, 0.45) * (side / 2 - m)
            angles = np.arange(10) * np.pi / 5
            star = np.stack([side / 2 + radii * np.cos(angles), side / 2 + radii * np.sin(angles)], axis=1)
            canvas.polygon([(float(px), float(py)) for px, py in star], fill=255)
        alpha = blur(np.asarray(mask, dtype=np.float32) / 255.0, 0.6) * float(rng.uniform(0.85, 1.0))
        x, y = _disc(side)
        waves = {
            0: np.sin(frequency * np.pi * x) + 0 * y,
            1: np.sin(frequency * np.pi * x) * np.sin(frequency * np.pi * y),
            2: np.cos(frequency * np.pi * np.sqrt(x * x + y * y)),
            3: smooth_noise(rng, side, side, frequency),
        }[pattern]
        colour = _mix(base * 0.45, np.minimum(base * 1.25, 1.0), 0.5 + 0.5 * waves)
        return Sprite(alpha.astype(np.float32), colour)

    return draw


def _hue_rgb(hue: float) -> np.ndarray:
    k = (np.array([0.0, 8.0, 4.0]) + hue * 12.0) % 12.0
    rgb = 0.5 - 0.45 * np.clip(np.minimum(k - 3.0, 9.0 - k), -1.0, 1.0)
    return rgb.astype(np.float32)


DRAWERS: dict[str, Callable[[np.random.Generator, int], Sprite]] = {
    "dent": dent,
    "dirt": dirt,
    "rust": rust,
    "scratch": scratch,
    "spoiled": spoiled,
    "mold": mold,
}


def drawer(name: str) -> Callable[[np.random.Generator, int], Sprite]:
    """How to draw class ``name``: its own drawer for a known defect (any case), else a generic one."""
    return DRAWERS.get(name.lower()) or generic(name)
