"""Pieces shared by the restoration networks."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """Pad the bottom and right of ``x`` (NxCxHxW) with reflection up to a multiple of ``multiple``.

    The pad amounts are computed from ``x.shape`` without Python branches, so an ONNX trace keeps them
    dynamic in H and W. Reflection needs each pad smaller than the side it mirrors: true whenever
    ``H, W > multiple // 2``. Smaller inputs fall back to edge replication in eager mode; an exported
    graph (always reflect) rejects them.
    """
    h, w = x.shape[-2:]
    pad_h = (multiple - h % multiple) % multiple
    pad_w = (multiple - w % multiple) % multiple
    mode = "reflect"
    if not torch.jit.is_tracing() and (pad_h >= h or pad_w >= w):
        mode = "replicate"
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode)
