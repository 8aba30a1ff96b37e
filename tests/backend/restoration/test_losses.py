from __future__ import annotations

import pytest
import torch

from backend.errors import InvalidArgument
from backend.restoration.losses import CharbonnierLoss, L1Loss, build_loss


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
    assert "charbonnier, l1" in caught.value.message
