"""Scanner and phone-capture effects on a page: perspective, paper tone, bleed-through, uneven light,
shadows, moiré. Each takes a float (H, W, 3) RGB image in [0, 1] and the values drawn for it; pixel
randomness comes from the generator passed in.
"""

from __future__ import annotations

import cv2
import numpy as np

from backend.synthetic.capture_defects import apply_shadow
from backend.synthetic.fields import grid, smooth_noise


def perspective_matrix(rng: np.random.Generator, width: int, height: int, amount: float) -> np.ndarray:
    """A mild keystone: each corner moved by up to ``amount`` of the image's side, inwards or outwards."""
    corners = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    shifts = rng.uniform(-amount, amount, size=(4, 2)) * np.array([width, height])
    return cv2.getPerspectiveTransform(corners, (corners + shifts).astype(np.float32))


def warp(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a perspective ``matrix``; the edges are reflected, so no black wedges appear."""
    h, w = image.shape[:2]
    return cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def paper_tone(image: np.ndarray, tone: tuple[float, float, float]) -> np.ndarray:
    """Yellowed or greyish paper (or a wrong white balance): white becomes ``tone``, ink darkens alike."""
    return image * np.asarray(tone, dtype=np.float32)


def bleed_through(image: np.ndarray, strength: float, blur_sigma: float, shift: tuple[int, int]) -> np.ndarray:
    """The reverse side showing through: the page's own ink, mirrored, blurred and faint."""
    ink = 1.0 - image.mean(axis=2)  # 0 on paper, near 1 on black ink
    reverse = np.ascontiguousarray(np.roll(ink[:, ::-1], shift, axis=(0, 1)))
    reverse = cv2.GaussianBlur(reverse, (0, 0), blur_sigma)
    return image * (1.0 - strength * reverse)[..., None]


def uneven_light(
    image: np.ndarray, rng: np.random.Generator, strength: float, gradient: float, angle: float, vignette: float
) -> np.ndarray:
    """Light that falls off across the page: a smooth random field, a linear ramp and a vignette."""
    h, w = image.shape[:2]
    ys, xs = grid(0, h, 0, w)
    u, v = xs / w - 0.5, ys / h - 0.5
    ramp = u * np.float32(np.cos(angle)) + v * np.float32(np.sin(angle))
    field = 1.0 + strength * smooth_noise(rng, h, w, 3) + gradient * ramp - vignette * 2.0 * (u * u + v * v)
    return image * np.clip(field, 0.3, 1.3).astype(np.float32)[..., None]


def shadow(image: np.ndarray, rng: np.random.Generator, darkness: float) -> np.ndarray:
    """A soft shadow (hand, phone, book spine) over one side, as the synthetic generator draws it."""
    params = {
        "edge": int(rng.integers(4)),
        "reach": float(rng.uniform(0.1, 0.5)),
        "tilt": float(rng.uniform(-0.4, 0.4)),
        "curve": float(rng.uniform(-0.3, 0.3)),
        "softness": float(rng.uniform(0.05, 0.3)),
        "darkness": darkness,
    }
    return apply_shadow(image, params)


def moire(image: np.ndarray, amplitude: float, period_px: float, angle: float, beat: float) -> np.ndarray:
    """Interference of two fine gratings (a halftone print or a screen against the sensor's pixel grid):
    a beat pattern of ``period_px`` / ``beat`` pixels, with a slight colour fringe."""
    h, w = image.shape[:2]
    ys, xs = grid(0, h, 0, w)
    phase_a = (xs * np.float32(np.cos(angle)) + ys * np.float32(np.sin(angle))) * np.float32(2 * np.pi / period_px)
    turned = angle + beat
    phase_b = (xs * np.float32(np.cos(turned)) + ys * np.float32(np.sin(turned))) * np.float32(
        2 * np.pi / (period_px * (1.0 + beat))
    )
    channels = [np.cos(phase_a + offset) * np.cos(phase_b) for offset in (0.0, 0.6, 1.2)]
    pattern = np.stack(channels, axis=-1).astype(np.float32)
    return image * (1.0 + amplitude * pattern)
