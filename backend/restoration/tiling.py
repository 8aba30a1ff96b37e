"""Run a restoration network over a large image in overlapping tiles, blended with a linear ramp,
so memory is bounded by the tile size rather than the image size."""

from __future__ import annotations

import torch


def _ramp(size: int, overlap: int, device: torch.device) -> torch.Tensor:
    weights = torch.ones(size, device=device)
    if overlap > 0:
        edge = torch.linspace(0.0, 1.0, overlap + 2, device=device)[1:-1]
        weights[:overlap] = edge
        weights[-overlap:] = edge.flip(0)
    return weights


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)
    return starts


@torch.no_grad()
def tiled_forward(model: torch.nn.Module, image: torch.Tensor, *, tile: int = 512, overlap: int = 32) -> torch.Tensor:
    """``model(image)`` for a 1xCxHxW image, computed tile by tile when it is larger than ``tile``."""
    _, channels, height, width = image.shape
    if height <= tile and width <= tile:
        return model(image)
    output = torch.zeros((1, channels, height, width), device=image.device)
    total = torch.zeros((1, 1, height, width), device=image.device)
    for top in _starts(height, tile, overlap):
        for left in _starts(width, tile, overlap):
            bottom, right = min(top + tile, height), min(left + tile, width)
            patch = model(image[:, :, top:bottom, left:right]).float()
            weight = (
                _ramp(bottom - top, overlap if height > tile else 0, image.device)[:, None]
                * _ramp(right - left, overlap if width > tile else 0, image.device)[None, :]
            )
            output[:, :, top:bottom, left:right] += patch * weight
            total[:, :, top:bottom, left:right] += weight
    return output / total.clamp_min(1e-8)
