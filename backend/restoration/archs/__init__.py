"""Restoration networks: a registry of architectures, named presets and the ``build_network`` factory.

Every network maps an NxCxHxW float tensor in [0, 1] to one of the same shape (any H and W; the output is
not clamped) and ends in a 3x3 convolution called ``output`` whose result is added to the input.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from backend.restoration.archs.config import NetworkConfig, config_from_dict, config_to_dict
from backend.restoration.archs.layer1_arch import Layer1Net
from backend.restoration.archs.restormer_arch import Restormer
from omni_core.errors import InvalidArgument

__all__ = [
    "ARCH_REGISTRY",
    "LAYER_ARCHS",
    "PRESETS",
    "PRESET_NAMES",
    "NetworkConfig",
    "build_network",
    "config_from_dict",
    "config_to_dict",
    "count_parameters",
    "preset_for",
    "register_arch",
]

Builder = Callable[[NetworkConfig], nn.Module]
ARCH_REGISTRY: dict[str, Builder] = {}


def register_arch(name: str) -> Callable[[Builder], Builder]:
    """Decorator: make ``NetworkConfig(arch=name)`` build with the decorated function."""

    def register(builder: Builder) -> Builder:
        if name in ARCH_REGISTRY:
            raise ValueError(f"arch {name!r} is already registered")
        ARCH_REGISTRY[name] = builder
        return builder

    return register


@register_arch("layer1")
def _build_layer1(c: NetworkConfig) -> nn.Module:
    return Layer1Net(c.in_channels, c.out_channels, c.width, c.num_blocks, c.bias, c.channel_attention)


@register_arch("restormer")
def _build_restormer(c: NetworkConfig) -> nn.Module:
    if len(c.heads) != c.levels:
        raise InvalidArgument("heads", f"needs one entry per level ({c.levels}), got {c.heads!r}")
    for level, heads in enumerate(c.heads):
        channels = c.width * 2**level
        if channels % heads:
            raise InvalidArgument("heads", f"level {level} has {channels} channels, not divisible by {heads} heads")
    if c.levels > 1 and c.width % 2:
        raise InvalidArgument("width", f"must be even (pixel-unshuffle halves it first), got {c.width}")
    return Restormer(
        c.in_channels, c.out_channels, c.width, c.num_blocks, c.heads, c.ffn_expansion, c.refinement_blocks, c.bias
    )


def build_network(config: NetworkConfig) -> nn.Module:
    """A freshly initialised network for ``config``; raises InvalidArgument naming the field that is wrong."""
    builder = ARCH_REGISTRY.get(config.arch)
    if builder is None:
        raise InvalidArgument("arch", f"unknown arch {config.arch!r}; choose one of {', '.join(sorted(ARCH_REGISTRY))}")
    return builder(config)


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters (all of ours are)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


LAYER_ARCHS = {1: "layer1", 2: "restormer"}
PRESET_NAMES = ("tiny", "mini", "small", "base")


def _layer1(preset: str, width: int, num_blocks: tuple[int, ...], attention: bool = False) -> NetworkConfig:
    return NetworkConfig(
        arch="layer1",
        preset=f"layer1-{preset}",
        width=width,
        num_blocks=num_blocks,
        bias=True,
        channel_attention=attention,
    )


def _layer2(preset: str, width: int, num_blocks: tuple[int, ...], heads: tuple[int, ...], refine: int) -> NetworkConfig:
    return NetworkConfig(
        arch="restormer",
        preset=f"layer2-{preset}",
        width=width,
        num_blocks=num_blocks,
        heads=heads,
        ffn_expansion=2.66,
        refinement_blocks=refine,
        bias=False,
    )


# Parameter counts: layer1 36k / 138k / 215k / 2.5M; layer2 26k (the first system's size) / 74k / 1.6M / 3.8M.
# layer1-base, the layer-1 network for users' own photos and scans, has channel attention in every block (2.50M
# parameters, was 2.37M; a training step ~1.2x the time): a faded print and a photo that is merely low in
# contrast differ in the whole image (are the blacks lifted toward a warm tone?), which a block sees only through
# it. A photo model from the 8 real training photos with faded prints in its preset, 40 CPU-minutes
# (bench.restoration --real --real-photo-model --layers 1 --preset base --lr 1e-3): 25.05 dB on the 12 held-out
# photo crops, worse than its input on 1 (without the attention: 24.91, worse on 3; without fading in the preset
# either: 24.92, worse on 3); 120 CPU-minutes: 25.46 dB (input 24.14, BM3D 24.41), worse than its input on 2;
# 240 CPU-minutes (1,800 epochs): 25.69 dB, worse on none (25.81 with self-ensemble).
# "mini" is for short CPU budgets: a training step of layer2-mini costs what one of layer2-tiny does (both
# are bound by per-operation overhead at these widths, ~140 ms for 8 crops of 64 px on 2 cores), so the
# wider network learns more in the same minutes (bench/restoration.py).
# layer1-mini (the fast tier's network) spends its capacity below full resolution: 8 channels at full size
# (ONNX Runtime's CPU convolutions work in blocks of 8 channels; 12 cost nearly what 16 do), more blocks at half
# and quarter size. Against the width-12 (1, 1, 1) it replaced, same data and 20 CPU-minutes (bench.tiers
# held-out): 27.02 vs 26.91 dB, bare 4.2-4.5 vs 3.1 MP/s at 1024 px on 2 cores; a 24 MP scan 8.7-10.3 vs
# 11.7-12.1 s end to end. Deeper (four levels, width 8) was faster still but learnt less in that budget (24.97).
# Six blocks at quarter size instead of three (137,507 parameters, was 82,019), distilled from the same layer 2
# mini teacher for the same 90 CPU-minutes (bench.tiers): 28.07 vs 27.82 dB on the held-out set, the gap to the
# teacher 0.38 vs 0.64 dB (0.83 vs 1.16 on 96 more images), bare at 1024 px 0.92x the speed (4.43 vs 4.81 MP/s),
# a 24 MP scan end to end 6.3-6.5 s (the three-block one 6.5-6.8 s the same hour): capacity where it is cheap.
# The original Restormer is NetworkConfig("restormer", width=48, num_blocks=(4, 6, 6, 8), heads=(1, 2, 4, 8),
# refinement_blocks=4): 26.1M.
PRESETS: dict[str, NetworkConfig] = {
    c.preset: c
    for c in (
        _layer1("tiny", 8, (1, 1, 1)),
        _layer1("mini", 8, (1, 2, 6)),
        _layer1("small", 16, (1, 1, 2)),
        _layer1("base", 24, (1, 2, 2, 2), attention=True),
        _layer2("tiny", 4, (2, 2, 2), (1, 2, 4), 1),
        _layer2("mini", 8, (1, 1, 2), (1, 2, 4), 1),
        _layer2("small", 16, (1, 2, 2, 4), (1, 2, 4, 8), 1),
        _layer2("base", 24, (2, 3, 3, 4), (1, 2, 4, 8), 2),
    )
}


def preset_for(layer: int, preset: str) -> NetworkConfig:
    """The configuration of ``preset`` ("tiny" | "mini" | "small" | "base") for restoration layer 1 or 2."""
    if isinstance(layer, bool) or layer not in LAYER_ARCHS:
        raise InvalidArgument("layer", f"must be one of {', '.join(map(str, LAYER_ARCHS))}, got {layer!r}")
    if preset not in PRESET_NAMES:
        raise InvalidArgument("preset", f"unknown preset {preset!r}; choose one of {', '.join(PRESET_NAMES)}")
    return PRESETS[f"layer{layer}-{preset}"]
