"""The typed description of a restoration network, and its JSON form for checkpoints and model cards."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from omni_core.errors import InvalidArgument

MAX_LEVELS = 6


@dataclass(frozen=True)
class NetworkConfig:
    """Everything needed to rebuild a network's modules (weights aside).

    ``num_blocks`` has one entry per resolution level (the last one is the bottleneck), so its length is
    the number of levels. ``heads``, ``ffn_expansion`` and ``refinement_blocks`` only matter to the
    ``restormer`` arch; ``layer1`` ignores them.
    """

    arch: str  # a key of ARCH_REGISTRY: "layer1" | "restormer"
    preset: str = "custom"  # the preset it came from; informational
    width: int = 16  # channels of the first level; level i has width * 2**i
    num_blocks: tuple[int, ...] = (1, 1, 2)
    heads: tuple[int, ...] = ()
    ffn_expansion: float = 2.66
    refinement_blocks: int = 0
    in_channels: int = 3
    out_channels: int = 3
    bias: bool = False
    channel_attention: bool = False  # layer1 only: a ChannelAttention in every block (configs before it: off)

    def __post_init__(self) -> None:
        # JSON and protobuf hand over lists; keep the dataclass hashable and comparable.
        object.__setattr__(self, "num_blocks", tuple(self.num_blocks))
        object.__setattr__(self, "heads", tuple(self.heads))
        _check(self)

    @property
    def levels(self) -> int:
        return len(self.num_blocks)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(c: NetworkConfig) -> None:
    checks = [
        ("arch", isinstance(c.arch, str) and bool(c.arch), "must be a non-empty string"),
        ("width", _is_int(c.width) and 1 <= c.width <= 1024, f"must be an integer in [1, 1024], got {c.width!r}"),
        (
            "num_blocks",
            1 <= len(c.num_blocks) <= MAX_LEVELS and all(_is_int(n) and 0 <= n <= 64 for n in c.num_blocks),
            f"must be 1 to {MAX_LEVELS} integers in [0, 64] (one per level), got {c.num_blocks!r}",
        ),
        ("heads", all(_is_int(n) and n >= 1 for n in c.heads), f"must be positive integers, got {c.heads!r}"),
        (
            "ffn_expansion",
            isinstance(c.ffn_expansion, int | float)
            and not isinstance(c.ffn_expansion, bool)
            and math.isfinite(c.ffn_expansion)
            and 0 < c.ffn_expansion <= 16,
            f"must be in (0, 16], got {c.ffn_expansion!r}",
        ),
        (
            "refinement_blocks",
            _is_int(c.refinement_blocks) and 0 <= c.refinement_blocks <= 64,
            f"must be an integer in [0, 64], got {c.refinement_blocks!r}",
        ),
        ("in_channels", _is_int(c.in_channels) and c.in_channels >= 1, f"must be >= 1, got {c.in_channels!r}"),
        ("out_channels", _is_int(c.out_channels) and c.out_channels >= 1, f"must be >= 1, got {c.out_channels!r}"),
        ("bias", isinstance(c.bias, bool), f"must be true or false, got {c.bias!r}"),
        (
            "channel_attention",
            isinstance(c.channel_attention, bool),
            f"must be true or false, got {c.channel_attention!r}",
        ),
    ]
    for name, ok, message in checks:
        if not ok:
            raise InvalidArgument(name, message)


def config_to_dict(config: NetworkConfig) -> dict[str, Any]:
    """A JSON-ready dict (tuples become lists)."""
    return {f.name: list(v) if isinstance(v := getattr(config, f.name), tuple) else v for f in _fields()}


def config_from_dict(data: Mapping[str, Any]) -> NetworkConfig:
    """The inverse of :func:`config_to_dict`; unknown keys are an error, missing ones take the defaults."""
    if not isinstance(data, Mapping):
        raise InvalidArgument("network", f"must be a JSON object, got {type(data).__name__}")
    names = {f.name for f in _fields()}
    unknown = sorted(set(data) - names)
    if unknown:
        raise InvalidArgument("network", f"unknown field(s) {', '.join(map(str, unknown))}")
    if "arch" not in data:
        raise InvalidArgument("arch", "is missing")
    values = dict(data)
    for name in ("num_blocks", "heads"):
        if name in values and not isinstance(values[name], list | tuple):
            raise InvalidArgument(name, f"must be a list of integers, got {values[name]!r}")
    return NetworkConfig(**values)


def _fields() -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(NetworkConfig)
