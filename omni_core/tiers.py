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


def auto_preset_problem(preset: str, layer: int, tier: str) -> str:
    """Why ``preset`` cannot be asked for with this layer and tier ("" = it can): ``auto`` measures layer-1
    networks against the fast tier's speed, and nothing else has a speed to reach. The backend refuses with it
    and the forms show it before submitting. ``tier`` "" is the layer's."""
    if preset.strip().lower() != AUTO_PRESET:
        return ""
    tier = tier or tier_for_layer(layer)
    if layer == 1 and tier == FAST:
        return ""
    return (
        f"{AUTO_PRESET} picks the layer-1 network that reaches the fast tier's {FAST_TIER_MP_PER_S:g} MP/s on this "
        f"CPU; for layer {layer} of the {tier} tier choose tiny, mini, small or base"
    )


def tier_for_layer(layer: int | str) -> str:
    """The tier a version of ``layer`` (1, 2, "layer_1", "layer_2") belongs to when none was chosen."""
    return FAST if str(layer) in ("1", "layer_1") else QUALITY


def layer_and_preset(layer: str, card_preset: str) -> tuple[int, str]:
    """The layer number and preset name of a registered restoration version, from its registry layer and its
    card's preset: ("layer_1", "layer1-mini") -> (1, "mini"); 0 for a layer that is not ``layer_N``."""
    number = layer.removeprefix("layer_")
    return (int(number) if number.isdigit() else 0), card_preset.split("-", 1)[-1]


def describe_default() -> str:
    return "by layer: 1 fast, 2 quality"
