"""Open the ONNX Runtime session of a run and size the pipeline around it (worker processes only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backend.batch.pipeline import PipelineSettings
from backend.inference.restorer import Restorer
from omni_core.batch.params import RestoreOptions

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

    @property
    def batch_size(self) -> int:
        return self.restorer.batch_size

    @property
    def batch_pixels(self) -> int:
        return self.restorer.batch_pixels


def open_run_engine(onnx: Path, options: RestoreOptions, cache_dir: Path | None = None) -> RunEngine:
    """Raises ProviderUnavailable (FAILED_PRECONDITION) when ``options.require_provider`` cannot run.

    ``cache_dir`` keeps built TensorRT engines; the model's memory probe is kept beside it."""
    from backend.inference.engine import EngineOptions, is_out_of_memory, machine_cores, open_engine
    from backend.inference.memory import default_limit, model_memory

    engine = open_engine(onnx, EngineOptions(require_provider=options.require_provider, cache_dir=cache_dir))
    batch = options.batch_size or MAX_BATCH
    pixels = 0 if options.batch_size else (GPU_BATCH_PIXELS if engine.device == "cuda" else CPU_BATCH_PIXELS)
    memory = model_memory(onnx, cache_dir.parent / "memory" if cache_dir is not None else None)
    tile_pixels, why = 0, "whole images asked for" if options.tile < 0 else f"{options.tile} px tiles asked for"
    if options.auto_tile:
        limit = default_limit(memory, engine.device)
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
        is_out_of_memory=is_out_of_memory,
    )
    threads = max(2, machine_cores() // 2)
    settings = PipelineSettings(quality=options.quality, decode_threads=threads, encode_threads=threads)
    return RunEngine(engine.provider, list(engine.warnings), restorer, settings, why)
