"""``--preset auto`` for the fast tier: the most capable layer-1 network this machine's CPU runs at the tier's speed.

Which network is fast enough depends on the machine: its CPU family (ONNX Runtime's CPU convolutions work in
blocks of 8 channels with AVX2 and 16 with AVX-512, so on an AVX-512 CPU the 8-channel full-resolution
convolutions of layer1-mini are computed padded to 16, its profile shows), its cores, and what else runs on it
(layer1-mini measured from 2.1 to 4.8 MP/s on one 2-vCPU Xeon VM in a day, 4.2-4.5 on a 2-core EPYC). So the
presets are measured here, each freshly initialised and exported (the weights do not change the speed), the most
capable first, and the first that reaches ``FAST_TIER_MP_PER_S`` is taken; a machine too slow for any gets the
fastest and a warning. A resumed run keeps the network of its checkpoint.

Import in worker processes only: it imports onnxruntime.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backend.restoration.archs import NetworkConfig, build_network, preset_for
from backend.restoration.export import export_onnx
from backend.restoration.speed import SIDE, measure_speed
from omni_core.tiers import FAST_TIER_MP_PER_S

#: layer-1 presets, the most capable (most parameters) first
FAST_CANDIDATES = ("base", "small", "mini", "tiny")
#: runs per preset after a warm-up: enough for a median on a machine whose speed drifts by a third
RUNS = 5
#: a network whose warm-up runs under this share of the floor is not measured further (base takes seconds a run)
CLEARLY_SLOW = 0.5

Measure = Callable[[NetworkConfig], float]


@dataclass
class PresetChoice:
    """The preset taken and why: each measured preset's MP/s (bare session.run on SIDE² px, this CPU)."""

    preset: str
    floor_mp_per_s: float
    measured: dict[str, float] = field(default_factory=dict)
    reached: bool = True

    def describe(self) -> str:
        speeds = ", ".join(f"{name} {speed:.2f}" for name, speed in self.measured.items())
        if self.reached:
            return (
                f"preset auto: {self.preset}, the most capable layer-1 network at >= {self.floor_mp_per_s:g} MP/s "
                f"on this CPU (measured MP/s at {SIDE} px: {speeds})"
            )
        return (
            f"preset auto: no layer-1 network reaches {self.floor_mp_per_s:g} MP/s on this CPU ({speeds}); "
            f"took the fastest, {self.preset}"
        )


def choose_fast_preset(
    measure: Measure | None = None, floor: float = FAST_TIER_MP_PER_S, candidates: Sequence[str] = ()
) -> PresetChoice:
    """Measure ``candidates`` (default ``FAST_CANDIDATES``), the most capable first, and stop at the first that
    reaches ``floor``."""
    measure = measure or functools.partial(measure_cpu_speed, floor=floor)
    choice = PresetChoice(preset="", floor_mp_per_s=floor)
    for preset in candidates or FAST_CANDIDATES:
        choice.measured[preset] = speed = measure(preset_for(1, preset))
        if speed >= floor:
            choice.preset = preset
            return choice
    choice.preset = max(choice.measured, key=lambda name: choice.measured[name])
    choice.reached = False
    return choice


def measure_cpu_speed(config: NetworkConfig, floor: float = FAST_TIER_MP_PER_S) -> float:
    """MP/s of a freshly initialised ``config`` on this machine's CPU (``speed.measure_speed``)."""
    with tempfile.TemporaryDirectory(prefix="omni-preset-") as folder:
        onnx = Path(folder) / "model.onnx"
        export_onnx(build_network(config), onnx, check_sizes=[(32, 32)])
        speed = measure_speed(onnx, runs=RUNS, cpu_only=True, enough_below=floor * CLEARLY_SLOW, parallel=False)
        return float(speed["mp_per_s"])
