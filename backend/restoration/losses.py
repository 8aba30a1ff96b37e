"""Pixel losses for restoration training."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from backend.errors import InvalidArgument


class CharbonnierLoss(nn.Module):
    """mean(sqrt((pred - target)² + eps²)): L1 away from zero, smooth (differentiable) at zero."""

    def __init__(self, eps: float = 1e-3) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.sqrt((pred - target).square() + self.eps**2).mean()


class L1Loss(nn.Module):
    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.l1_loss(pred, target)


LOSSES: dict[str, type[nn.Module]] = {"charbonnier": CharbonnierLoss, "l1": L1Loss}


def build_loss(name: str) -> nn.Module:
    """``"charbonnier"`` or ``"l1"`` (case-insensitive)."""
    cls = LOSSES.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise InvalidArgument("loss", f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    return cls()
