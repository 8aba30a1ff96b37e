"""Whole-image validation of a restoration network, and the degraded inputs' own scores it must beat."""

from __future__ import annotations

import math

import torch

from backend.restoration.datasets import ValidationPairs, to_tensor
from backend.restoration.metrics import psnr_torch, ssim_torch
from backend.restoration.tiling import tiled_forward

VAL_TILE = 512


@torch.no_grad()
def evaluate(
    model: torch.nn.Module, images: ValidationPairs, device: torch.device, loss_fn: torch.nn.Module
) -> dict[str, float]:
    """Whole-image validation (tiled when large): loss, PSNR, SSIM, share of images improved."""
    model.eval()
    losses, psnrs, ssims, improved = [], [], [], 0
    for index in range(len(images)):
        clean, degraded = images.get(index)
        target = to_tensor(clean)[None].to(device)
        source = to_tensor(degraded)[None].to(device)
        output = tiled_forward(model, source, tile=VAL_TILE).float().clamp(0, 1)
        losses.append(float(loss_fn(output, target)))
        psnr_out = float(psnr_torch(output, target)[0])
        psnrs.append(psnr_out)
        ssims.append(float(ssim_torch(output, target)[0]))
        improved += psnr_out > float(psnr_torch(source, target)[0])
    model.train()
    count = max(1, len(losses))
    return {
        "loss": sum(losses) / count,
        "psnr": _finite_mean(psnrs),
        "ssim": sum(ssims) / count,
        "improved_fraction": improved / count,
    }


@torch.no_grad()
def baseline_metrics(images: ValidationPairs, device: torch.device) -> dict[str, float]:
    """How good the degraded inputs already are: what a model must beat."""
    psnrs, ssims = [], []
    for index in range(len(images)):
        clean, degraded = images.get(index)
        target, source = to_tensor(clean)[None].to(device), to_tensor(degraded)[None].to(device)
        psnrs.append(float(psnr_torch(source, target)[0]))
        ssims.append(float(ssim_torch(source, target)[0]))
    return {"psnr": _finite_mean(psnrs), "ssim": sum(ssims) / max(1, len(ssims))}


def _finite_mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else float("inf")
