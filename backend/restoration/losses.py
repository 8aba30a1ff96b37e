"""Pixel losses for restoration training."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from backend.restoration.metrics import ssim_differentiable
from omni_core.errors import InvalidArgument, shown


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


class CharbonnierSSIMLoss(nn.Module):
    """Charbonnier + ``weight`` x (1 - SSIM): the pixel term alone under-weights what SSIM measures
    (noise and grain left in flat areas, softened strokes); the structural term pulls the model toward
    it, as in the L1 + MS-SSIM mix of Zhao et al., "Loss Functions for Image Restoration with Neural
    Networks" (2017). The SSIM is the validation metric's own (7x7 window), so training and reporting agree.

    Weight 1: on the synthetic documents (layer2-tiny, 12 CPU-minutes) weight 0 gave 24.81 dB / SSIM 0.843,
    0.2 gave 24.82 / 0.858 and 1.0 gave 24.33 / 0.876; with the wider layer2-mini, weight 1 reached
    25.83-26.15 dB / 0.901-0.913 (bench/restoration.py).
    """

    def __init__(self, weight: float = 1.0) -> None:
        super().__init__()
        self.weight = weight
        self.pixel = CharbonnierLoss()

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        structural = 1 - ssim_differentiable(pred.float(), target.float()).mean()
        return self.pixel(pred, target) + self.weight * structural


LOSSES: dict[str, type[nn.Module]] = {
    "charbonnier": CharbonnierLoss,
    "l1": L1Loss,
    "charbonnier+ssim": CharbonnierSSIMLoss,
}


def build_loss(name: str) -> nn.Module:
    """``"charbonnier"``, ``"l1"`` or ``"charbonnier+ssim"`` (case-insensitive)."""
    cls = LOSSES.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise InvalidArgument("loss", f"unknown loss {shown(name)}; choose one of {', '.join(LOSSES)}")
    return cls()
