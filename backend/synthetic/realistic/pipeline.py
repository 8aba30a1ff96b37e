"""Real-ESRGAN's second-order degradation, at the same size, with a domain's capture effects first.

``degrade(clean, preset, seed)`` returns the degraded image, the target it pairs with and a record of
every value drawn. The order (Real-ESRGAN's ``RealESRGANModel.feed_data``, with its scale factor 1):

1. capture effects (documents): perspective, paper tone, bleed-through, uneven light, shadow, moiré. The
   target shares the perspective, the paper tone, the uneven light and the shadow (one gain, drawn once,
   multiplied into both), so a pair teaches to clean a page as it was captured, not to straighten or
   brighten it: from a crop, a yellowed or dimly lit page cannot be told from a grey one, and a model taught
   to undo the tone brightens every real scan (measured: -12.7 dB on real scans). Only the defects of the
   capture, bleed-through and moiré, are the degraded side's alone. Training that wants white paper whitens
   the target afterwards (``backend.restoration.clean_data.whiten_paper``);
2. first pass: blur with a random kernel, resize up/down/keep (area, bilinear or bicubic), Gaussian or
   Poisson noise (colour or grey), JPEG;
3. second pass: blur (with its probability), resize relative to the original size, noise;
4. in a random order, [resize back to the original size + a final sinc filter] and JPEG (Real-ESRGAN found
   other orders draw twisted lines).

Everything random comes from ``np.random.default_rng(seed)``: the same clean image, preset and seed give
the same bytes, in any process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from backend.synthetic.realistic import capture, operations
from backend.synthetic.realistic.kernels import random_kernel, sinc
from backend.synthetic.realistic.presets import CaptureSettings, DegradationPreset, FadeSettings, StageSettings

Seed = int | Sequence[int]
Record = dict[str, Any]
#: kernel sizes of the final sinc filter (Real-ESRGAN: 7..21)
FINAL_SINC_SIZES = tuple(range(7, 22, 2))


@dataclass(frozen=True)
class Degraded:
    target: np.ndarray  # uint8 (H, W, 3): the clean image under the capture's perspective, paper tone and light
    degraded: np.ndarray  # uint8 (H, W, 3)
    applied: list[Record]  # each step and the values drawn for it, in order


def degrade(clean: np.ndarray, preset: DegradationPreset, seed: Seed) -> Degraded:
    """Degrade a uint8 (H, W, 3) RGB image by ``preset``; deterministic in ``seed``."""
    if clean.ndim != 3 or clean.shape[2] != 3 or clean.dtype != np.uint8:
        raise ValueError(f"expected a uint8 (H, W, 3) image, got {clean.dtype} {clean.shape}")
    rng = np.random.default_rng(seed)
    applied: list[Record] = []
    target = clean
    image = clean.astype(np.float32) * np.float32(1.0 / 255.0)
    if preset.capture is not None:
        image, target = _capture(image, target, rng, preset.capture, applied)
    if preset.fade is not None:
        image = _fade(image, rng, preset.fade, applied)
    height, width = image.shape[:2]
    image = _stage(image, rng, preset.first, 1, (width, height), applied, with_jpeg=True)
    image = _stage(image, rng, preset.second, 2, (width, height), applied, with_jpeg=False)
    image = _finish(image, rng, preset, (width, height), applied)
    degraded = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
    return Degraded(target=target, degraded=degraded, applied=applied)


def _r(value: float) -> float:
    return round(float(value), 4)


def _capture(
    image: np.ndarray, target: np.ndarray, rng: np.random.Generator, s: CaptureSettings, applied: list[Record]
) -> tuple[np.ndarray, np.ndarray]:
    h, w = image.shape[:2]
    unit = np.ones((h, w, 1), dtype=np.float32)
    light = unit  # paper tone, uneven light and shadow: the gain both sides share
    if rng.uniform() < s.perspective_prob:
        amount = float(rng.uniform(*s.perspective_amount))
        matrix = capture.perspective_matrix(rng, w, h, amount)
        image = capture.warp(image, matrix)
        target = capture.warp(target, matrix)
        applied.append({"op": "perspective", "amount": _r(amount), "matrix": np.round(matrix, 6).tolist()})
    if rng.uniform() < s.paper_tone_prob:
        yellow, grey = float(rng.uniform(*s.paper_tone_yellow)), float(rng.uniform(*s.paper_tone_grey))
        tone = (1.0 - grey, (1.0 - grey) * (1.0 - 0.3 * yellow), (1.0 - grey) * (1.0 - yellow))
        gain = capture.paper_tone(unit, tone)
        image, light = image * gain, light * gain
        applied.append({"op": "paper_tone", "tone": [_r(t) for t in tone]})
    if rng.uniform() < s.bleed_through_prob:
        strength = float(rng.uniform(*s.bleed_through_strength))
        sigma = float(rng.uniform(1.0, 3.0))
        shift = (int(rng.integers(-h // 20 - 1, h // 20 + 2)), int(rng.integers(-w // 20 - 1, w // 20 + 2)))
        image = capture.bleed_through(image, strength, sigma, shift)
        applied.append({"op": "bleed_through", "strength": _r(strength), "blur_sigma": _r(sigma), "shift": list(shift)})
    if rng.uniform() < s.uneven_light_prob:
        strength = float(rng.uniform(*s.uneven_light_strength))
        gradient = float(rng.uniform(*s.uneven_light_gradient))
        angle = float(rng.uniform(0.0, 2 * math.pi))
        vignette = float(rng.uniform(*s.uneven_light_vignette))
        gain = capture.uneven_light(unit, rng, strength, gradient, angle, vignette)
        image, light = image * gain, light * gain
        applied.append(
            {
                "op": "uneven_light",
                "strength": _r(strength),
                "gradient": _r(gradient),
                "angle": _r(angle),
                "vignette": _r(vignette),
            }
        )
    if rng.uniform() < s.shadow_prob:
        darkness = float(rng.uniform(*s.shadow_darkness))
        gain = capture.shadow(unit, rng, darkness)
        image, light = image * gain, light * gain
        applied.append({"op": "shadow", "darkness": _r(darkness)})
    if rng.uniform() < s.moire_prob:
        amplitude, period = float(rng.uniform(*s.moire_amplitude)), float(rng.uniform(*s.moire_period_px))
        angle, beat = float(rng.uniform(0.0, math.pi)), float(rng.uniform(0.02, 0.08))
        image = capture.moire(image, amplitude, period, angle, beat)
        applied.append(
            {"op": "moire", "amplitude": _r(amplitude), "period_px": _r(period), "angle": _r(angle), "beat": _r(beat)}
        )
    lit = np.clip(np.rint(target.astype(np.float32) * light), 0, 255).astype(np.uint8)
    return np.clip(image, 0.0, 1.0), lit


def _fade(image: np.ndarray, rng: np.random.Generator, s: FadeSettings, applied: list[Record]) -> np.ndarray:
    if rng.uniform() >= s.prob:
        return image
    strength = float(rng.uniform(*s.strength))
    grey, yellow = float(rng.uniform(*s.tone_grey)), float(rng.uniform(*s.tone_yellow))
    tone = np.array([grey, grey * (1.0 - 0.3 * yellow), grey * (1.0 - yellow)], dtype=np.float32)
    image = image * np.float32(1.0 - strength) + tone * np.float32(strength)
    applied.append({"op": "fade", "strength": _r(strength), "tone": [_r(t) for t in tone]})
    if rng.uniform() < s.light_prob:
        gradient, vignette = float(rng.uniform(*s.light_gradient)), float(rng.uniform(*s.light_vignette))
        angle = float(rng.uniform(0.0, 2 * math.pi))
        unit = np.ones((*image.shape[:2], 1), dtype=np.float32)
        image = image * capture.uneven_light(unit, rng, 0.0, gradient, angle, vignette)
        applied.append({"op": "fade_light", "gradient": _r(gradient), "angle": _r(angle), "vignette": _r(vignette)})
    return np.clip(image, 0.0, 1.0)


def _stage(
    image: np.ndarray,
    rng: np.random.Generator,
    s: StageSettings,
    number: int,
    original: tuple[int, int],
    applied: list[Record],
    *,
    with_jpeg: bool,
) -> np.ndarray:
    if rng.uniform() < s.blur_prob:
        k = s.kernel
        kernel, record = random_kernel(
            rng,
            sizes=k.sizes,
            kinds=k.kinds,
            weights=k.weights,
            sigma=k.sigma,
            beta_generalized=k.beta_generalized,
            beta_plateau=k.beta_plateau,
            sinc_prob=k.sinc_prob,
        )
        image = operations.filter2d(image, kernel)
        applied.append({"op": "blur", "stage": number, **record})
    direction = ("up", "down", "keep")[int(rng.choice(3, p=_probabilities(s.resize_weights)))]
    low, high = s.resize_range
    scale = {"up": lambda: rng.uniform(1.0, high), "down": lambda: rng.uniform(low, 1.0), "keep": lambda: 1.0}[
        direction
    ]()
    mode = s.resize_modes[int(rng.integers(len(s.resize_modes)))]
    width, height = (max(8, int(original[0] * scale)), max(8, int(original[1] * scale)))
    image = operations.resize(image, width, height, mode)
    applied.append({"op": "resize", "stage": number, "direction": direction, "scale": _r(scale), "mode": mode})
    grey = bool(rng.uniform() < s.grey_noise_prob)
    if rng.uniform() < s.gaussian_noise_prob:
        sigma = float(rng.uniform(*s.noise_sigma))
        image = operations.gaussian_noise(image, rng, sigma, grey)
        applied.append({"op": "gaussian_noise", "stage": number, "sigma": _r(sigma), "grey": grey})
    else:
        scale_p = float(rng.uniform(*s.poisson_scale))
        image = operations.poisson_noise(image, rng, scale_p, grey)
        applied.append({"op": "poisson_noise", "stage": number, "scale": _r(scale_p), "grey": grey})
    if with_jpeg and rng.uniform() < s.jpeg_prob:
        image = _jpeg(image, rng, s, number, applied)
    return image


def _jpeg(
    image: np.ndarray, rng: np.random.Generator, s: StageSettings, number: int, applied: list[Record]
) -> np.ndarray:
    quality = int(rng.integers(s.jpeg_quality[0], s.jpeg_quality[1] + 1))
    applied.append({"op": "jpeg", "stage": number, "quality": quality})
    return operations.jpeg(image, quality)


def _finish(
    image: np.ndarray,
    rng: np.random.Generator,
    preset: DegradationPreset,
    original: tuple[int, int],
    applied: list[Record],
) -> np.ndarray:
    """[resize back + final sinc] and the second pass's JPEG, in a random order."""
    jpeg_first = bool(rng.uniform() < 0.5)
    mode = preset.second.resize_modes[int(rng.integers(len(preset.second.resize_modes)))]
    kernel = None
    if rng.uniform() < preset.final_sinc_prob:
        size = int(rng.choice(FINAL_SINC_SIZES))
        cutoff = float(rng.uniform(*preset.final_sinc_cutoff))
        kernel = sinc(size, cutoff)
        sinc_record: Record = {"size": size, "cutoff": _r(cutoff)}
    with_jpeg = rng.uniform() < preset.second.jpeg_prob
    steps = ["jpeg", "back"] if jpeg_first else ["back", "jpeg"]
    for step in steps:
        if step == "jpeg" and with_jpeg:
            image = _jpeg(image, rng, preset.second, 2, applied)
        elif step == "back":
            image = operations.resize(image, original[0], original[1], mode)
            applied.append({"op": "resize_back", "mode": mode})
            if kernel is not None:
                image = operations.filter2d(image, kernel)
                applied.append({"op": "final_sinc", **sinc_record})
    return np.clip(image, 0.0, 1.0)


def _probabilities(weights: Sequence[float]) -> np.ndarray:
    values = np.asarray(weights, dtype=np.float64)
    return values / values.sum()
