"""Blur kernels of Real-ESRGAN's degradation model, drawn from a numpy ``Generator``.

A port of BasicSR's ``basicsr/data/degradations.py`` (Apache-2.0; ``bivariate_Gaussian``,
``bivariate_generalized_Gaussian``, ``bivariate_plateau``, ``random_mixed_kernels``,
``circular_lowpass_kernel``) and of the kernel choice in Real-ESRGAN's ``realesrgan_dataset.py``, with the
randomness taken from one explicit generator instead of the ``random``/``np.random`` globals, so a seed
reproduces a kernel exactly. BasicSR itself is not a dependency: its package imports torchvision's removed
``functional_tensor`` module and pulls lmdb, tb-nightly and yapf for the fifty lines used here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

KERNEL_KINDS = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso")


def _grid(size: int) -> np.ndarray:
    """(size, size, 2) coordinates centred on the middle tap."""
    axis = np.arange(-(size // 2), size // 2 + 1, dtype=np.float64)
    xx, yy = np.meshgrid(axis, axis)
    return np.stack([xx, yy], axis=-1)


def _quadratic_form(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """x^T Σ^-1 x over the grid, for Σ the covariance rotated by ``theta``."""
    rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    covariance = rotation @ np.diag([sigma_x**2, sigma_y**2]) @ rotation.T
    grid = _grid(size)
    return np.sum((grid @ np.linalg.inv(covariance)) * grid, axis=2)


def gaussian(size: int, sigma_x: float, sigma_y: float, theta: float) -> np.ndarray:
    """A normalised (an)isotropic Gaussian kernel."""
    return _normalised(np.exp(-0.5 * _quadratic_form(size, sigma_x, sigma_y, theta)))


def generalized_gaussian(size: int, sigma_x: float, sigma_y: float, theta: float, beta: float) -> np.ndarray:
    """exp(-0.5 (x^T Σ^-1 x)^beta): beta < 1 peaky with heavy tails, beta > 1 flatter (Pascal et al. 2013)."""
    return _normalised(np.exp(-0.5 * np.power(_quadratic_form(size, sigma_x, sigma_y, theta), beta)))


def plateau(size: int, sigma_x: float, sigma_y: float, theta: float, beta: float) -> np.ndarray:
    """1 / (1 + (x^T Σ^-1 x)^beta): a flat top, like a defocused lens."""
    return _normalised(np.reciprocal(np.power(_quadratic_form(size, sigma_x, sigma_y, theta), beta) + 1.0))


def sinc(size: int, cutoff: float) -> np.ndarray:
    """A circular low-pass (2-D sinc) kernel with ``cutoff`` in radians (pi: no filtering): ringing and
    overshoot like a resampler's or a sharpening camera's."""
    grid = _grid(size)
    radius = np.hypot(grid[..., 0], grid[..., 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        kernel = cutoff * special.j1(cutoff * radius) / (2 * np.pi * radius)
    kernel[size // 2, size // 2] = cutoff**2 / (4 * np.pi)
    return _normalised(kernel)


def _normalised(kernel: np.ndarray) -> np.ndarray:
    return (kernel / np.sum(kernel)).astype(np.float32)


def _beta(rng: np.random.Generator, low: float, high: float) -> float:
    """BasicSR's draw: half the time below 1 (within ``low``..1), half above (1..``high``)."""
    if rng.uniform() < 0.5:
        return float(rng.uniform(min(low, 1.0), 1.0))
    return float(rng.uniform(1.0, max(high, 1.0)))


def random_kernel(
    rng: np.random.Generator,
    *,
    sizes: tuple[int, int],
    kinds: tuple[str, ...],
    weights: tuple[float, ...],
    sigma: tuple[float, float],
    beta_generalized: tuple[float, float],
    beta_plateau: tuple[float, float],
    sinc_prob: float,
) -> tuple[np.ndarray, dict[str, Any]]:
    """A kernel as Real-ESRGAN draws it (odd size within ``sizes``; a sinc with ``sinc_prob``, else one of
    ``kinds`` by ``weights``), and its parameters for the manifest."""
    odd_sizes = [s for s in range(sizes[0], sizes[1] + 1) if s % 2 == 1] or [sizes[0] | 1]
    size = int(odd_sizes[int(rng.integers(len(odd_sizes)))])
    if rng.uniform() < sinc_prob:
        # the cutoff range Real-ESRGAN uses for its kernel sizes
        low = math.pi / 3 if size < 13 else math.pi / 5
        cutoff = float(rng.uniform(low, math.pi))
        return sinc(size, cutoff), {"kind": "sinc", "size": size, "cutoff": round(cutoff, 4)}
    probabilities = np.asarray(weights, dtype=np.float64) / float(np.sum(weights))
    kind = kinds[int(rng.choice(len(kinds), p=probabilities))]
    sigma_x = float(rng.uniform(*sigma))
    sigma_y, theta = sigma_x, 0.0
    if kind.endswith("aniso"):
        sigma_y = float(rng.uniform(*sigma))
        theta = float(rng.uniform(-math.pi, math.pi))
    record: dict[str, Any] = {
        "kind": kind,
        "size": size,
        "sigma_x": round(sigma_x, 4),
        "sigma_y": round(sigma_y, 4),
        "theta": round(theta, 4),
    }
    if kind.startswith("generalized"):
        beta = _beta(rng, *beta_generalized)
        record["beta"] = round(beta, 4)
        return generalized_gaussian(size, sigma_x, sigma_y, theta, beta), record
    if kind.startswith("plateau"):
        beta = _beta(rng, *beta_plateau)
        record["beta"] = round(beta, 4)
        return plateau(size, sigma_x, sigma_y, theta, beta), record
    return gaussian(size, sigma_x, sigma_y, theta), record
