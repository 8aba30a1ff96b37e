"""PSNR/SSIM equal scikit-image's; the batched torch versions equal the numpy ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from backend.restoration.metrics import psnr, psnr_torch, ssim, ssim_torch


def _structured(rng: np.random.Generator, h: int, w: int, channels: int) -> np.ndarray:
    """A document-like image: flat paper, dark strokes, a gradient shadow; values in [0, 1]."""
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    page = 0.92 - 0.3 * xx * yy
    page[(np.arange(h) % 9 < 2)[:, None] & (np.arange(w) % 5 < 3)[None, :]] = 0.1
    img = np.repeat(page[..., None], channels, axis=2) * rng.uniform(0.9, 1.0, size=channels)
    return img if channels > 1 else img[..., 0]


def _pairs(dtype: type = np.float64) -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    pairs: list[tuple[str, np.ndarray, np.ndarray]] = []
    for name, ref in [
        ("random-colour", rng.random((48, 61, 3))),
        ("random-grey", rng.random((40, 33))),
        ("structured-colour", _structured(rng, 64, 80, 3)),
        ("structured-grey", _structured(rng, 57, 64, 1)),
    ]:
        for noise in (0.02, 0.2):
            pred = np.clip(ref + rng.normal(0, noise, ref.shape), 0, 1)
            pairs.append((f"{name}-{noise}", pred.astype(dtype), ref.astype(dtype)))
    return pairs


def _channel_axis(img: np.ndarray) -> int | None:
    return -1 if img.ndim == 3 else None


@pytest.mark.parametrize(("scale", "data_range"), [(1.0, 1.0), (255.0, 255.0), (1.0, 2.0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_equal_to_scikit_image(scale: float, data_range: float, dtype: type) -> None:
    for name, unit_pred, unit_ref in _pairs(dtype):
        pred, ref = unit_pred * dtype(scale), unit_ref * dtype(scale)
        expected_psnr = peak_signal_noise_ratio(ref, pred, data_range=data_range)
        expected_ssim = structural_similarity(pred, ref, data_range=data_range, channel_axis=_channel_axis(ref))
        assert psnr(pred, ref, data_range) == pytest.approx(expected_psnr, abs=1e-6), name
        assert ssim(pred, ref, data_range) == pytest.approx(expected_ssim, abs=1e-4), name


def test_identical_images() -> None:
    img = np.random.default_rng(1).random((16, 16, 3))
    assert psnr(img, img) == math.inf
    assert ssim(img, img) == pytest.approx(1.0)
    batch = torch.from_numpy(img).permute(2, 0, 1)[None].float()
    assert torch.isinf(psnr_torch(batch, batch)).all()
    assert ssim_torch(batch, batch).item() == pytest.approx(1.0, abs=1e-6)


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        psnr(np.zeros((8, 8)), np.zeros((8, 9)))
    with pytest.raises(ValueError, match="at least 7"):
        ssim(np.zeros((6, 30)), np.zeros((6, 30)))
    with pytest.raises(ValueError, match="NxCxHxW"):
        psnr_torch(torch.zeros(3, 8, 8), torch.zeros(3, 8, 8))


@pytest.mark.parametrize("channels", [3, 1])
@pytest.mark.parametrize("data_range", [1.0, 255.0])
def test_torch_versions_equal_numpy_per_image(channels: int, data_range: float) -> None:
    rng = np.random.default_rng(2)
    refs = [_structured(rng, 45, 70, 3), rng.random((45, 70, 3)), _structured(rng, 45, 70, 3) * 0.5 + 0.25]
    refs = [r[..., :channels] for r in refs]
    preds = [np.clip(r + rng.normal(0, s, r.shape), 0, 1) for r, s in zip(refs, (0.01, 0.1, 0.3), strict=True)]
    pred = np.stack(preds).astype(np.float32) * data_range
    ref = np.stack(refs).astype(np.float32) * data_range
    to_batch = lambda a: torch.from_numpy(a).permute(0, 3, 1, 2)  # noqa: E731

    got_psnr = psnr_torch(to_batch(pred), to_batch(ref), data_range)
    got_ssim = ssim_torch(to_batch(pred), to_batch(ref), data_range)
    assert got_psnr.shape == got_ssim.shape == (3,)
    for i in range(3):
        p, r = (pred[i], ref[i]) if channels > 1 else (pred[i, ..., 0], ref[i, ..., 0])
        assert got_psnr[i].item() == pytest.approx(psnr(p, r, data_range), abs=1e-4)
        assert got_ssim[i].item() == pytest.approx(ssim(p, r, data_range), abs=1e-4)
