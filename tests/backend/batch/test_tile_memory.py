"""The default tile limit: the model's bytes per pixel and padding multiple probed from its ONNX graph
(once per file), checked against the memory a real whole-image run takes; the limit the free memory
gives; an out-of-memory error under that limit still halves the tiles."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from backend.batch.engine_setup import open_run_engine
from backend.batch.precision import PrecisionFiles
from backend.inference import memory
from backend.inference.memory import (
    MEMORY_SHARE,
    PIPELINE_BYTES_PER_PIXEL,
    SAFETY,
    ModelMemory,
    card_memory,
    default_limit,
    model_memory,
)
from backend.inference.restorer import Restorer
from omni_core.batch.params import RestoreOptions
from tests.backend.batch.conftest import smooth_rgb
from tests.helpers import REPO


def test_the_probe_reads_the_multiple_and_the_bytes_per_pixel_once_per_file(tiny_onnx: Path, tmp_path: Path) -> None:
    measured = model_memory(tiny_onnx, tmp_path / "cache")
    assert measured.multiple == 4  # layer 1 tiny: three levels, padded to 2 ** 2
    assert 50 < measured.bytes_per_pixel < 400  # 8 channels at full size, a few alive at once, float32
    (stored,) = (tmp_path / "cache").iterdir()
    assert json.loads(stored.read_text()) == {"bytes_per_pixel": measured.bytes_per_pixel, "multiple": 4}
    stored.write_text(json.dumps({"bytes_per_pixel": 1.5, "multiple": 2}))  # the file is what a new process reads
    memory._CACHE.clear()
    assert model_memory(tiny_onnx, tmp_path / "cache") == ModelMemory(1.5, 2)
    memory._CACHE.clear()
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a graph")
    assert model_memory(broken) == ModelMemory(memory.FALLBACK_BYTES_PER_PIXEL, 1)  # cautious, not fatal


PEAK = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from pathlib import Path
    from backend.inference.engine import open_engine

    def mb(field):
        return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(field)) / 1024

    engine = open_engine(Path(sys.argv[1]))
    engine.run(np.zeros((1, 3, 32, 32), np.float32))
    tensor = np.random.default_rng(0).random((1, 3, 1024, 1024), dtype=np.float32)
    before = mb("VmRSS:")
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    engine.run(tensor)
    print(json.dumps({"grown_bytes": (mb("VmHWM:") - before) * 2**20}))
    """
)


def test_the_estimate_with_its_safety_covers_a_real_whole_image_run(tiny_onnx: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(tiny_onnx)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    grown = json.loads(done.stdout)["grown_bytes"]
    estimate = model_memory(tiny_onnx).bytes_per_pixel * 1024 * 1024
    # ONNX Runtime's arena takes more than the tensors alive (measured ~2.4x here): more than the bare
    # estimate, less than the estimate with its safety factor
    assert estimate < grown < SAFETY * estimate, (grown / estimate, grown, estimate)


def test_the_limit_follows_free_memory_and_keeps_images_whole_when_they_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(memory, "host_available_bytes", lambda: 8 * 2**30)
    model = ModelMemory(bytes_per_pixel=1400.0, multiple=4)
    limit = default_limit(model, "cpu")
    per_pixel = PIPELINE_BYTES_PER_PIXEL + 1400.0 * SAFETY
    assert limit.pixels == int(8 * 2**30 * MEMORY_SHARE / per_pixel) < memory.CPU_TILE_PIXELS  # 1.0 MP
    assert limit.why == "4.14 KiB per pixel; free memory: 4.0 GiB planned for -> tiles up to 1.0 MP"
    restorer = Restorer(lambda batch: batch, tile=0, overlap=32, tile_pixels=limit.pixels, multiple=4)
    assert restorer.plan(1000, 1000).whole
    scan = restorer.plan(4000, 6000)
    assert scan.rows.size * scan.cols.size <= limit.pixels and scan.overhead < 1.1
    two_at_once = default_limit(model, "cpu", streams=2)  # each tile gets half the memory
    assert two_at_once.pixels == int(8 * 2**30 * MEMORY_SHARE / 2 / per_pixel)
    assert two_at_once.why == (
        "4.14 KiB per pixel; free memory shared by 2 tiles at once: 2.0 GiB planned for -> tiles up to 0.5 MP"
    )
    monkeypatch.setattr(memory, "host_available_bytes", lambda: 200 * 2**30)  # memory for a 24 MP scan whole
    roomy = default_limit(model, "cpu", streams=2)
    assert roomy.pixels == memory.CPU_TILE_PIXELS and roomy.why.endswith(
        "capped at 1.0 MP: larger tiles are no faster on a CPU, only bigger"
    )
    scan = Restorer(lambda batch: batch, tile=0, overlap=32, tile_pixels=roomy.pixels, multiple=4).plan(4000, 6000)
    assert not scan.whole and scan.rows.size * scan.cols.size <= memory.CPU_TILE_PIXELS
    monkeypatch.setattr(memory, "gpu_free_bytes", lambda device_id=0: 20 * 2**30)
    on_gpu = default_limit(model, "cuda")  # the GPU holds the network; the host only the tiles' buffers
    assert on_gpu.pixels == int((20 - 1) * 2**30 * memory.GPU_SHARE / (1400.0 * SAFETY))
    assert default_limit(model, "cuda", streams=2) == on_gpu  # a GPU runs one call at a time
    monkeypatch.setattr(memory, "gpu_free_bytes", lambda device_id=0: None)
    assert "GPU memory unknown" in default_limit(model, "cuda").why


def test_out_of_memory_under_the_memory_limit_halves_the_tiles(tiny_onnx: Path) -> None:
    from backend.inference.engine import open_engine

    engine = open_engine(tiny_onnx)

    def infer(batch: np.ndarray) -> np.ndarray:
        if batch.shape[2] * batch.shape[3] > 200 * 200:
            raise MemoryError("out of memory")
        return engine.run(batch)

    restorer = Restorer(infer, tile=0, overlap=16, tile_pixels=600 * 700, multiple=4)
    result = restorer.restore(smooth_rgb(600, 700))
    assert result.notes == [
        "out of memory with the whole image; retried with 350 px tiles",
        "out of memory with 350 px tiles; retried with 175 px tiles",
    ]
    assert result.plan is not None and max(result.plan.tile_shape) <= 175


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"bytes_per_pixel": 390.5, "multiple": 8}, ModelMemory(390.5, 8)),
        ({"bytes_per_pixel": 120, "multiple": 1}, ModelMemory(120.0, 1)),
        (None, None),  # a version trained before the card had them
        ({}, None),
        ({"bytes_per_pixel": "390", "multiple": 8}, None),  # another tool's card
        ({"bytes_per_pixel": True, "multiple": 8}, None),
        ({"bytes_per_pixel": -1.0, "multiple": 8}, None),
        ({"bytes_per_pixel": 390.0, "multiple": 6}, None),  # not a power of two: tiles would be misaligned
        ({"bytes_per_pixel": 390.0, "multiple": 0}, None),
        ([390.0, 8], None),
    ],
)
def test_the_card_s_figures_are_taken_only_when_sound(section: object, expected: ModelMemory | None) -> None:
    assert card_memory(section) == expected


def test_a_run_takes_the_card_s_figures_instead_of_probing(tiny_onnx: Path, tmp_path: Path) -> None:
    """Figures measured at export size the run's tiles, and no probe runs (its cache stays empty); without them the
    file is probed as before."""
    memory._CACHE.clear()
    cache = tmp_path / "cache" / "tensorrt"
    figures = {"bytes_per_pixel": 100_000.0, "multiple": 16}  # big enough that the limit shows which was used
    run = open_run_engine(PrecisionFiles({"fp32": tiny_onnx}, memory=figures), RestoreOptions(), cache)
    assert run.restorer.multiple == 16
    assert f"{(PIPELINE_BYTES_PER_PIXEL + 100_000.0 * SAFETY) / 1024:.2f} KiB per pixel" in run.tile_limit
    assert not (tmp_path / "cache" / "memory").exists()
    probed = open_run_engine(PrecisionFiles({"fp32": tiny_onnx}), RestoreOptions(), cache)
    assert probed.restorer.multiple == 4 and len(list((tmp_path / "cache" / "memory").iterdir())) == 1
