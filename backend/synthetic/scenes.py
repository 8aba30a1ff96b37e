"""Backgrounds for synthetic inspection photos: corrugated container steel, crate wood, piled produce.

Each ``*(rng, size)`` returns a float (size, size, 3) image in [0, 1]. Shapes are computed on coordinate
grids (no per-pixel loops); the few per-item loops (fruits, nails) draw small patches.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from backend.synthetic.documents import font, text_width
from backend.synthetic.fields import fractal_noise, grid, smooth_noise

# container paints, sRGB 0..1 (blue, red, orange, green, grey, brown, white, yellow, teal, navy)
PAINTS = np.array(
    [
        [0.16, 0.36, 0.56], [0.60, 0.16, 0.14], [0.80, 0.40, 0.12], [0.18, 0.40, 0.24], [0.48, 0.50, 0.51],
        [0.44, 0.25, 0.16], [0.84, 0.84, 0.82], [0.82, 0.66, 0.16], [0.12, 0.44, 0.47], [0.10, 0.18, 0.36],
    ],
    dtype=np.float32,
)  # fmt: skip
WOODS = np.array([[0.74, 0.58, 0.39], [0.82, 0.72, 0.54], [0.58, 0.55, 0.50], [0.62, 0.42, 0.26]], dtype=np.float32)
# produce: colour, aspect (minor/major), shininess
PRODUCE: dict[str, tuple[tuple[float, float, float], float, float]] = {
    "red_apple": ((0.70, 0.10, 0.09), 0.92, 0.5),
    "green_apple": ((0.55, 0.72, 0.22), 0.93, 0.5),
    "orange": ((0.93, 0.53, 0.08), 0.97, 0.2),
    "lemon": ((0.95, 0.84, 0.20), 0.75, 0.3),
    "tomato": ((0.84, 0.16, 0.07), 0.88, 0.7),
    "potato": ((0.72, 0.58, 0.38), 0.75, 0.0),
    "onion": ((0.72, 0.50, 0.30), 0.9, 0.3),
}


def container_panel(rng: np.random.Generator, size: int) -> np.ndarray:
    """A painted, corrugated steel container wall: trapezoid ribs, weathering, grime streaks, markings."""
    paint = PAINTS[int(rng.integers(len(PAINTS)))] * rng.uniform(0.85, 1.1) + rng.uniform(-0.03, 0.03, 3)
    vertical = rng.random() < 0.75
    ys, xs = grid(0, size, 0, size)
    across, along = (xs, ys) if vertical else (ys, xs)
    period = size * float(rng.uniform(0.07, 0.18))
    t = ((across + float(rng.uniform(-0.06, 0.06)) * along) / period + rng.uniform(0, 1)) % 1.0
    lit = float(rng.uniform(0.1, 0.35)) * (1 if rng.random() < 0.5 else -1)
    # outer flat, sloping face, inner flat, sloping face back (piecewise linear, so edges are anti-aliased)
    knots = [0.0, 0.3, 0.34, 0.46, 0.5, 0.8, 0.84, 0.96, 1.0]
    levels = [1.0, 1.0, 1 + lit, 1 + lit, 0.92, 0.92, 1 - lit, 1 - lit, 1.0]
    shade = np.interp(t, knots, levels).astype(np.float32)
    shade *= 1.0 + 0.07 * fractal_noise(rng, size, size, cells=5)
    rows, cols = (3, max(8, size // 10)) if vertical else (max(8, size // 10), 3)
    streaks = np.clip(smooth_noise(rng, size, size, (rows, cols)), 0, None)
    shade *= 1.0 - float(rng.uniform(0.0, 0.12)) * streaks
    image = paint[None, None, :] * shade[..., None]
    if rng.random() < 0.35:
        image = _rail(rng, image, paint)
    if rng.random() < 0.35:
        image = _stencil(rng, image, shade)
    return image


def crate_wood(rng: np.random.Generator, size: int) -> np.ndarray:
    """Crate slats: planks with wood grain, dark gaps between them, a few nails."""
    wood = WOODS[int(rng.integers(len(WOODS)))] * rng.uniform(0.9, 1.08)
    horizontal = rng.random() < 0.6
    ys, xs = grid(0, size, 0, size)
    across = ys if horizontal else xs
    plank = size * float(rng.uniform(0.14, 0.3))
    gap = size * float(rng.uniform(0.012, 0.04))
    pitch = plank + gap
    offset = float(rng.uniform(0, pitch))
    within = (across + offset) % pitch
    index = ((across + offset) // pitch).astype(int)
    cells = (max(8, size // 12), 3) if horizontal else (3, max(8, size // 12))
    warp = smooth_noise(rng, size, size, cells)
    grain = 0.5 + 0.5 * np.sin(2 * np.pi * (across / (size * rng.uniform(0.012, 0.03)) + 0.8 * warp))
    shade = 1.0 - 0.13 * grain**3 + 0.05 * fractal_noise(rng, size, size, cells=6)
    tones = rng.uniform(0.85, 1.1, index.max() + 2).astype(np.float32)
    shade = shade * tones[index]
    edge = np.clip(np.minimum(within, plank - within) / max(2.0, size * 0.008), 0, 1)
    shade = np.where(within > plank, 0.18, shade * (0.75 + 0.25 * edge))
    image = wood[None, None, :] * shade.astype(np.float32)[..., None]
    draw_mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(draw_mask)
    for k in range(int(size // pitch) + 2):
        centre = k * pitch - offset + plank / 2
        for along in rng.uniform(0.05, 0.95, int(rng.integers(0, 3))) * size:
            r = max(1.5, size * 0.006)
            x, y = (along, centre) if horizontal else (centre, along)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=200)
    nails = np.asarray(draw_mask, dtype=np.float32)[..., None] / 255.0
    image = image * (1 - nails) + 0.25 * nails
    return image


def produce_pile(rng: np.random.Generator, size: int) -> np.ndarray:
    """Fruit or vegetables packed in a crate, seen from above, shaded as lit spheres."""
    image = crate_wood(rng, size) * 0.45
    kind = str(rng.choice(list(PRODUCE)))
    colour, aspect, shine = PRODUCE[kind]
    radius = size * float(rng.uniform(0.07, 0.13))
    step = radius * 1.75
    light = np.array([rng.uniform(-0.5, 0.5), rng.uniform(-0.7, -0.2), 1.0], dtype=np.float32)
    light /= np.linalg.norm(light)
    centres = [
        (x + rng.uniform(-0.2, 0.2) * step, y + rng.uniform(-0.2, 0.2) * step)
        for row, y in enumerate(np.arange(-radius * 0.5, size + radius, step * 0.87))
        for x in np.arange(-radius * 0.5 + (row % 2) * step / 2, size + radius, step)
    ]
    for cx, cy in centres:
        r = radius * float(rng.uniform(0.85, 1.15))
        tint = np.array(colour, dtype=np.float32) * rng.uniform(0.85, 1.1) + rng.uniform(-0.04, 0.04, 3)
        _fruit(rng, image, cx, cy, r, r * aspect, float(rng.uniform(0, np.pi)), tint, shine, light)
    return image


BACKGROUNDS: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "container": container_panel,
    "crate": crate_wood,
    "produce": produce_pile,
}


# -- pieces -----------------------------------------------------------------------------------------


def _fruit(
    rng: np.random.Generator,
    image: np.ndarray,
    cx: float,
    cy: float,
    a: float,
    b: float,
    angle: float,
    colour: np.ndarray,
    shine: float,
    light: np.ndarray,
) -> None:
    size = image.shape[0]
    reach = int(max(a, b)) + 2
    x0, x1 = max(0, int(cx) - reach), min(size, int(cx) + reach)
    y0, y1 = max(0, int(cy) - reach), min(size, int(cy) + reach)
    if x1 <= x0 or y1 <= y0:
        return
    ys, xs = grid(y0, y1, x0, x1)
    dx, dy = xs - cx, ys - cy
    cos, sin = np.cos(angle), np.sin(angle)
    u = (dx * cos + dy * sin) / a
    v = (dy * cos - dx * sin) / b
    rho2 = u * u + v * v
    alpha = np.clip((1.0 - np.sqrt(rho2)) * min(a, b), 0.0, 1.0)
    nz = np.sqrt(np.clip(1.0 - rho2, 0.0, 1.0))
    nx, ny = dx / max(a, b), dy / max(a, b)  # approximate normal in image axes
    lambert = np.clip(nx * light[0] + ny * light[1] + nz * light[2], 0.0, 1.0)
    mottle = 1.0 + 0.06 * smooth_noise(rng, y1 - y0, x1 - x0, cells=4)
    body = colour[None, None, :] * (0.25 + 0.8 * lambert * mottle)[..., None]
    half = light + np.array([0.0, 0.0, 1.0], dtype=np.float32)
    half /= np.linalg.norm(half)
    spec = shine * np.clip(nx * half[0] + ny * half[1] + nz * half[2], 0.0, 1.0) ** 24
    body = body + spec[..., None]
    region = image[y0:y1, x0:x1]
    image[y0:y1, x0:x1] = region * (1 - alpha[..., None]) + body * alpha[..., None]


def _rail(rng: np.random.Generator, image: np.ndarray, paint: np.ndarray) -> np.ndarray:
    """A flat horizontal rail across the top or bottom of the wall."""
    size = image.shape[0]
    height = int(size * rng.uniform(0.05, 0.12))
    top = 0 if rng.random() < 0.5 else size - height
    band = paint * float(rng.uniform(0.8, 0.95))
    image[top : top + height] = band
    for y, level in ((top, 1.25), (top + height - 1, 0.55)):
        image[max(0, y - 1) : y + 1] = band * level
    return image


def _stencil(rng: np.random.Generator, image: np.ndarray, shade: np.ndarray) -> np.ndarray:
    """Painted container markings (owner code and serial), following the corrugation's shading."""
    size = image.shape[0]
    letters = "".join(chr(65 + int(c)) for c in rng.integers(0, 26, 3)) + "U"
    text = f"{letters} {rng.integers(100000, 999999)} {rng.integers(0, 10)}"
    text_size = max(8, int(size * rng.uniform(0.04, 0.08)))
    mask = Image.new("L", (size, size), 0)
    x = float(rng.uniform(0, max(1.0, size - text_width(text_size, text))))
    ImageDraw.Draw(mask).text((x, rng.uniform(0, size * 0.8)), text, font=font(text_size), fill=230)
    alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
    ink = (0.92 if rng.random() < 0.7 else 0.08) * shade[..., None]
    return image * (1 - alpha) + ink * alpha
