"""Restoration tiers: a version is "fast" (big batches on CPUs) or "quality"; each tier has a current version.

The tier is chosen at training (``--tier``), else follows the layer: layer 1 (the small CNN) is fast, layer 2
(the transformer) quality. It is recorded in the model card; versions older than tiers take their layer's.
"""

from __future__ import annotations

FAST = "fast"
QUALITY = "quality"
TIERS = (FAST, QUALITY)


def tier_for_layer(layer: int | str) -> str:
    """The tier a version of ``layer`` (1, 2, "layer_1", "layer_2") belongs to when none was chosen."""
    return FAST if str(layer) in ("1", "layer_1") else QUALITY


def describe_default() -> str:
    return "by layer: 1 fast, 2 quality"
