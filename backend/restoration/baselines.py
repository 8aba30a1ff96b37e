"""Classical restorers a trained model must beat: OpenCV's non-local means and BM3D (the ``bm3d`` package).

Both are blind the way the model is: the noise level they are given is estimated from the degraded image
(scikit-image's wavelet ``estimate_sigma``), never the level the degradation used.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from skimage.restoration import estimate_sigma

Restorer = Callable[[np.ndarray], np.ndarray]

#: a floor on the estimated noise (in 0..1 units) so a nearly clean image still gets a light filter
MIN_SIGMA = 0.01


def estimated_sigma(image: np.ndarray) -> float:
    """The noise standard deviation of an RGB uint8 image, in 0..1 units, averaged over channels."""
    sigma = estimate_sigma(image.astype(np.float64) / 255.0, channel_axis=-1, average_sigmas=True)
    return max(float(sigma), MIN_SIGMA)


def nlm(image: np.ndarray) -> np.ndarray:
    """OpenCV's coloured non-local means, its filter strength set from the estimated noise."""
    strength = estimated_sigma(image) * 255.0
    return cv2.fastNlMeansDenoisingColored(image, None, strength, strength, 7, 21)


def bm3d(image: np.ndarray) -> np.ndarray:
    """BM3D on the colour image (``bm3d.bm3d_rgb``) at the estimated noise level; a few seconds a 128 px crop."""
    import bm3d as bm3d_package  # slow to import; only the bench and evaluations with BM3D need it

    restored = bm3d_package.bm3d_rgb(image.astype(np.float64) / 255.0, estimated_sigma(image))
    return (np.clip(restored, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


BASELINES: dict[str, Restorer] = {"nlm": nlm, "bm3d": bm3d}
