"""Open the ONNX Runtime session of a run and size the pipeline around it (worker processes only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.batch.pipeline import PipelineSettings
from backend.batch.precision import PrecisionFiles, choose
from backend.inference.restorer import Restorer
from omni_core.batch.params import RestoreOptions
from omni_core.precision import FP32
from omni_core.providers import GPU_PROVIDERS

MAX_BATCH = 16
#: pixels per network call: on a GPU batching pays, on a CPU it is no faster and only costs memory, so
#: only inputs much smaller than a 512 px tile share a call there
GPU_BATCH_PIXELS = 8 * 512 * 512
CPU_BATCH_PIXELS = 512 * 512


@dataclass
class RunEngine:
    provider: str
    warnings: list[str]
    restorer: Restorer
    settings: PipelineSettings
    #: why tiles are as large as they are: "whole images asked for", a side asked for, or the memory figures
    tile_limit: str = ""
    precision: str = "fp32"
    #: why this precision: asked for, or what auto decided
    precision_reason: str = "asked for"

    @property
    def batch_size(self) -> int:
        return self.restorer.batch_size

    @property
    def batch_pixels(self) -> int:
        return self.restorer.batch_pixels


def open_precision(
    files: PrecisionFiles, options: RestoreOptions, cache_dir: Path | None
) -> tuple[Any, list[str], str, str]:
    """(engine, provider warnings, precision, why). ``auto`` guesses the device from the providers this build
    has, opens that choice, and opens the CPU's choice instead when the session fell back to the CPU. A CPU
    session is opened for one single-threaded run per core (``EngineOptions.parallel_runs``)."""
    import onnxruntime as ort

    from backend.inference.engine import EngineOptions, machine_cores, open_engine

    def engine_options(provider: str, device: str) -> EngineOptions:
        runs = machine_cores() if device == "cpu" else 1
        return EngineOptions(require_provider=provider, cache_dir=cache_dir, parallel_runs=runs)

    required = options.require_provider
    gpu = required in GPU_PROVIDERS or (not required and bool(GPU_PROVIDERS & set(ort.get_available_providers())))
    device = "cuda" if gpu else "cpu"
    precision, why = choose(options.precision, files, device)
    engine = open_engine(files.paths[precision], engine_options(required, device))
    warnings = list(engine.warnings)
    if engine.device != device:  # a GPU provider failed: choose and open for the CPU
        precision, why = choose(options.precision, files, engine.device)
        engine = open_engine(files.paths[precision], engine_options(engine.provider, engine.device))
    return engine, warnings, precision, why


def open_run_engine(files: PrecisionFiles, options: RestoreOptions, cache_dir: Path | None = None) -> RunEngine:
    """Raises ProviderUnavailable (FAILED_PRECONDITION) when ``options.require_provider`` cannot run.

    ``cache_dir`` keeps built TensorRT engines; the model's memory probe is kept beside it."""
    from backend.inference.engine import is_out_of_memory, machine_cores
    from backend.inference.memory import card_memory, default_limit, model_memory

    engine, warnings, precision, why_precision = open_precision(files, options, cache_dir)
    onnx = files.paths[FP32]  # the memory figures of float32 bound those of its variants
    batch = options.batch_size or MAX_BATCH
    pixels = 0 if options.batch_size else (GPU_BATCH_PIXELS if engine.device == "cuda" else CPU_BATCH_PIXELS)
    probed = cache_dir.parent / "memory" if cache_dir is not None else None
    memory = card_memory(files.memory) or model_memory(onnx, probed)
    tile_pixels, why = 0, "whole images asked for" if options.tile < 0 else f"{options.tile} px tiles asked for"
    if options.auto_tile:
        limit = default_limit(memory, engine.device, engine.parallel_runs)
        tile_pixels, why = limit.pixels, limit.why
    restorer = Restorer(
        engine.run,
        model_channels=engine.channels,
        tile=options.tile_side,
        overlap=options.overlap_px,
        batch_size=batch,
        batch_pixels=pixels,
        tile_pixels=tile_pixels,
        multiple=memory.multiple,
        streams=engine.parallel_runs,
        self_ensemble=options.self_ensemble,
        is_out_of_memory=is_out_of_memory,
    )
    threads = max(2, machine_cores() // 2)
    settings = PipelineSettings(quality=options.quality, decode_threads=threads, encode_threads=threads)
    return RunEngine(engine.provider, warnings, restorer, settings, why, precision, why_precision)
