"""Run a restoration network over a large image in overlapping tiles, so memory is bounded by the tile size
rather than the image size. The plan and the blend are inference's (``backend.inference.plan``): equal
tiles aligned to the network's padding multiple, feathered so a tile's cut edges weigh nothing, so a
validation score and an ``omni restore`` output come from the same tiles."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from backend.inference.plan import feather, plan_tiles


@torch.no_grad()
def tiled_forward(model: torch.nn.Module, image: torch.Tensor, *, tile: int = 512, overlap: int = 32) -> torch.Tensor:
    """``model(image)`` for a 1xCxHxW image, computed tile by tile when it is larger than ``tile``."""
    _, channels, height, width = image.shape
    if height <= tile and width <= tile:
        return model(image)
    multiple = getattr(model, "multiple", 1)
    plan = plan_tiles(height, width, side=tile, overlap=overlap, multiple=multiple if isinstance(multiple, int) else 1)
    rows, cols = plan.rows, plan.cols
    pad_h, pad_w = rows.padded - height, cols.padded - width
    mode = "reflect" if pad_h < height and pad_w < width else "replicate"
    source = F.pad(image, (0, pad_w, 0, pad_h), mode=mode) if pad_h or pad_w else image
    output = torch.zeros((1, channels, rows.padded, cols.padded), device=image.device)
    total = torch.zeros((1, 1, rows.padded, cols.padded), device=image.device)
    th, tw = plan.tile_shape
    col_weights = [torch.from_numpy(feather(cols, index)).to(image.device) for index in range(cols.count)]
    for row, top in enumerate(rows.starts):
        row_weight = torch.from_numpy(feather(rows, row)).to(image.device)[:, None]
        for col, left in enumerate(cols.starts):
            patch = model(source[:, :, top : top + th, left : left + tw]).float()
            weight = row_weight * col_weights[col][None, :]
            output[:, :, top : top + th, left : left + tw] += patch * weight
            total[:, :, top : top + th, left : left + tw] += weight
    return (output / total.clamp_min(1e-8))[:, :, :height, :width]
