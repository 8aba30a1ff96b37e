"""Restoration tiers: a version is "fast" (big batches on CPUs) or "quality"; each tier has a current version.

The tier is chosen at training (``--tier``), else follows the layer: layer 1 (the small CNN) is fast, layer 2
(the transformer) quality. It is recorded in the model card; versions older than tiers take their layer's.
"""

from __future__ import annotations

FAST = "fast"
QUALITY = "quality"
TIERS = (FAST, QUALITY)
#: the fast tier's speed: a bare ONNX Runtime session.run over a 1024x1024 image on the CPU, in megapixels/s
FAST_TIER_MP_PER_S = 3.0
#: the training preset that picks the fast tier's network by measuring this CPU (backend.restoration.preset_choice)
AUTO_PRESET = "auto"


def tier_for_layer(layer: int | str) -> str:
    """The tier a version of ``layer`` (1, 2, "layer_1", "layer_2") belongs to when none was chosen."""
    return FAST if str(layer) in ("1", "layer_1") else QUALITY


def describe_default() -> str:
    return "by layer: 1 fast, 2 quality"
