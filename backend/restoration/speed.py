"""A model's measured speed, for its card: a bare ONNX Runtime ``session.run`` over one 1024x1024 image.

This is the network's own limit on the machine that trained it (no decoding, tiling or encoding), in
megapixels per second, the median of a few runs after a warm-up, with the provider and the CPU it ran on, so
versions can be compared on one axis next to their PSNR/SSIM. TensorRT is left out: building its engine takes
minutes; CUDA is used where ONNX Runtime has it, else the CPU. On a CPU with several cores the same image is
also run as ``omni restore`` runs it there, one single-threaded call per core at once (``parallel_mp_per_s``):
what a batch gets, 1.1-1.4x the bare figure for our networks on 2 cores.

Import in worker processes only: it imports onnxruntime.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from backend.inference.engine import Engine, EngineOptions, ProviderUnavailable, machine_cores, open_engine
from backend.system_info import cpu_model
from omni_core.providers import CPU, CUDA

SIDE = 1024
RUNS = 3


def _engine(onnx: Path, cpu_only: bool) -> Engine:
    """CUDA where it initialises (listed is not enough: its libraries may be missing), else the CPU."""
    if not cpu_only and CUDA in ort.get_available_providers():
        try:
            return open_engine(onnx, EngineOptions(require_provider=CUDA))
        except ProviderUnavailable:
            pass
    return open_engine(onnx, EngineOptions(require_provider=CPU))


def measure_speed(
    onnx: Path,
    *,
    side: int = SIDE,
    runs: int = RUNS,
    cpu_only: bool = False,
    enough_below: float = 0.0,
    parallel: bool = True,
) -> dict[str, Any]:
    """``{"mp_per_s", "provider", "cpu", "threads", "side", "runs", "median_seconds"}`` of ``onnx``; on the
    CPU even where CUDA runs with ``cpu_only`` (the fast tier's speed is a CPU's). A network whose warm-up
    alone runs under ``enough_below`` MP/s is not run again: the warm-up's speed (runs 0) says enough.
    With ``parallel``, a CPU with several cores adds ``parallel_mp_per_s`` and ``streams``."""
    engine = _engine(onnx, cpu_only)
    image = np.random.default_rng(0).random((1, engine.channels, side, side), dtype=np.float32)
    feed = {engine.input_name: image}
    began = time.perf_counter()
    engine.session.run([engine.output_name], feed)  # warm-up: allocations, kernel choice
    seconds = [time.perf_counter() - began]
    if side * side / 1e6 / seconds[0] < enough_below:
        runs = 0
    else:
        runs = max(1, runs)
        seconds.clear()
    for _ in range(runs):
        began = time.perf_counter()
        engine.session.run([engine.output_name], feed)
        seconds.append(time.perf_counter() - began)
    median = statistics.median(seconds)
    speed = {
        "mp_per_s": side * side / 1e6 / median,
        "provider": engine.provider,
        "cpu": cpu_model(),
        "threads": machine_cores(),
        "side": side,
        "runs": runs,
        "median_seconds": median,
    }
    if parallel and runs and engine.device == "cpu" and machine_cores() > 1:
        speed.update(parallel_speed(onnx, image, runs))
    return speed


def parallel_speed(onnx: Path, image: np.ndarray, runs: int) -> dict[str, Any]:
    """``{"parallel_mp_per_s", "streams"}``: ``streams`` (one per core) single-threaded calls on ``image`` at
    once, as a CPU run of ``omni restore`` makes them; the median of ``runs`` rounds after a warm-up."""
    streams = machine_cores()
    engine = open_engine(onnx, EngineOptions(require_provider=CPU, parallel_runs=streams))
    feed = {engine.input_name: image}

    def call(_: int) -> None:
        engine.session.run([engine.output_name], feed)

    with ThreadPoolExecutor(streams) as pool:
        list(pool.map(call, range(streams)))  # warm-up
        seconds = []
        for _ in range(runs):
            began = time.perf_counter()
            list(pool.map(call, range(streams)))
            seconds.append(time.perf_counter() - began)
    pixels = image.shape[2] * image.shape[3]
    return {"parallel_mp_per_s": streams * pixels / 1e6 / statistics.median(seconds), "streams": streams}
