"""Run a restoration network over a large image in overlapping tiles, so memory is bounded by the tile size
rather than the image size. The plan and the blend are inference's (``backend.inference.plan``): equal
tiles aligned to the network's padding multiple, feathered so a tile's cut edges weigh nothing, so a
validation score and an ``omni restore`` output come from the same tiles."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from backend.inference.plan import blend_weights, plan_tiles


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
    th, tw = plan.tile_shape
    col_weights = [torch.from_numpy(weight).to(image.device) for weight in blend_weights(cols)]
    for top, row_weight in zip(rows.starts, blend_weights(rows), strict=True):
        row_weight_t = torch.from_numpy(row_weight).to(image.device)[:, None]
        for left, col_weight in zip(cols.starts, col_weights, strict=True):
            patch = model(source[:, :, top : top + th, left : left + tw]).float()
            output[:, :, top : top + th, left : left + tw] += patch * (row_weight_t * col_weight[None, :])
    return output[:, :, :height, :width]
