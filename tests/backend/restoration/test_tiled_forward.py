"""Validation's tiled forward pass uses inference's plan and blend: on a convolutional network it equals
the whole-image pass, on a side that is not a multiple of the network's padding too."""

from __future__ import annotations

import torch

from backend.restoration.archs import build_network, preset_for
from backend.restoration.tiling import tiled_forward


def test_tiled_validation_equals_the_whole_image() -> None:
    torch.manual_seed(0)
    network = build_network(preset_for(1, "tiny")).eval()
    image = torch.rand(1, 3, 301, 419)
    with torch.no_grad():
        whole = network(image)
    tiled = tiled_forward(network, image, tile=128, overlap=32)
    assert tiled.shape == whole.shape
    assert (tiled - whole).abs().max().item() < 1e-3  # 1.4e-4: float sums; no seam, no cut context weighed
    assert torch.equal(tiled_forward(network, image, tile=512), whole)  # fits one tile: one call
