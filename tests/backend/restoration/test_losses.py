from __future__ import annotations

import pytest
import torch

from backend.restoration.losses import CharbonnierLoss, CharbonnierSSIMLoss, L1Loss, build_loss
from backend.restoration.metrics import ssim_torch
from omni_core.errors import InvalidArgument


def test_charbonnier_is_smooth_l1() -> None:
    pred = torch.tensor([0.0, 0.5, 1.0])
    target = torch.tensor([0.0, 0.0, 0.0])
    loss = CharbonnierLoss(eps=1e-3)(pred, target)
    expected = (1e-3 + (0.25 + 1e-6) ** 0.5 + (1 + 1e-6) ** 0.5) / 3
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert CharbonnierLoss()(target, target).item() == pytest.approx(1e-3)


def test_l1() -> None:
    assert L1Loss()(torch.tensor([1.0, -1.0]), torch.zeros(2)).item() == 1.0


def test_build_loss() -> None:
    assert isinstance(build_loss("charbonnier"), CharbonnierLoss)
    assert isinstance(build_loss("L1"), L1Loss)
    with pytest.raises(InvalidArgument) as caught:
        build_loss("mse")
    assert caught.value.field == "loss"
    assert "charbonnier, l1, charbonnier+ssim" in caught.value.message


def test_charbonnier_ssim_adds_the_structural_term() -> None:
    generator = torch.Generator().manual_seed(0)
    target = torch.rand(2, 3, 24, 24, generator=generator)
    pred = (target + 0.1 * torch.randn(2, 3, 24, 24, generator=generator)).clamp(0, 1).requires_grad_()
    loss = CharbonnierSSIMLoss(weight=0.5)(pred, target)
    expected = CharbonnierLoss()(pred, target) + 0.5 * (1 - ssim_torch(pred, target).mean())
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()
    assert pred.grad is not None and torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0
    # a perfect prediction leaves only Charbonnier's floor
    assert CharbonnierSSIMLoss()(target, target).item() == pytest.approx(1e-3, abs=1e-6)


def test_the_ssim_term_prefers_structure_to_a_brightness_shift_of_the_same_l1() -> None:
    """Noise and a uniform shift with equal mean absolute error: the pixel loss cannot tell them apart,
    the structural term penalises the noise far more."""
    generator = torch.Generator().manual_seed(1)
    target = torch.full((1, 1, 32, 32), 0.5)
    noise = torch.where(torch.rand(1, 1, 32, 32, generator=generator) < 0.5, -0.05, 0.05)
    noisy, shifted = target + noise, target + 0.05
    assert CharbonnierLoss()(noisy, target).item() == pytest.approx(CharbonnierLoss()(shifted, target).item())
    assert CharbonnierSSIMLoss()(noisy, target).item() > CharbonnierSSIMLoss()(shifted, target).item() + 0.05
    assert isinstance(build_loss("charbonnier+ssim"), CharbonnierSSIMLoss)
