"""Tiles: the blended result matches a whole-image run, memory follows the tile size rather than the image
size, and an out-of-memory error halves the tile and retries the image."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from backend.inference.restorer import MIN_TILE, Restorer
from backend.inference.tiling import ramp, run_tiled, tile_starts
from tests.backend.batch.conftest import smooth_rgb
from tests.helpers import REPO


def test_grid_covers_every_pixel_and_blending_is_exact_for_an_identity() -> None:
    assert tile_starts(100, 512, 32) == [0]
    assert tile_starts(1000, 512, 32) == [0, 480, 488]
    for length in (513, 999, 2048):
        starts = tile_starts(length, 256, 16)
        assert starts[0] == 0 and starts[-1] + 256 == length
        assert all(b - a <= 256 - 16 for a, b in itertools.pairwise(starts))
    assert ramp(8, 2).tolist() == pytest.approx([1 / 3, 2 / 3, 1, 1, 1, 1, 2 / 3, 1 / 3])
    image = np.random.default_rng(0).random((3, 300, 410), dtype=np.float32)
    out = np.zeros_like(image)
    rows_seen: list[int] = []

    def write(top: int, rows: np.ndarray) -> None:
        rows_seen.extend(range(top, top + rows.shape[1]))
        out[:, top : top + rows.shape[1]] = rows

    tiles = run_tiled(
        height=300,
        width=410,
        channels=3,
        tile=128,
        overlap=16,
        batch_size=3,
        read=lambda t, lf, h, w: image[:, t : t + h, lf : lf + w],
        infer=lambda batch: batch,
        write=write,
    )
    assert rows_seen == list(range(300))  # each row written once, in order
    assert tiles == len(tile_starts(300, 128, 16)) * len(tile_starts(410, 128, 16))
    np.testing.assert_allclose(out, image, atol=1e-6)


def test_tiled_output_matches_the_whole_image_on_a_real_model(tiny_onnx: Path) -> None:
    from backend.inference.engine import open_engine

    engine = open_engine(tiny_onnx)
    image = smooth_rgb(700, 900, seed=3)
    whole = Restorer(engine.run, tile=0).restore(image)
    tiled = Restorer(engine.run, tile=256, overlap=32, batch_size=4).restore(image)
    assert whole.tile == 0 and tiled.tile == 256 and tiled.tiles == 3 * 4
    difference = np.abs(tiled.pixels.astype(int) - whole.pixels.astype(int))
    # the network's receptive field reaches past the 32 px overlap, so tiles see slightly less context at
    # their borders: a few grey levels at most, and no seam (the blend leaves no step at tile edges)
    assert difference.max() <= 6 and difference.mean() < 0.05
    grey = Restorer(engine.run, tile=256).restore(image[:, :, :1].copy())
    assert grey.pixels.shape == (700, 900, 1)
    assert Restorer(engine.run, tile=256).restore(image[:3, :2]).pixels.shape == (3, 2, 3)  # tinier than the net


def test_out_of_memory_halves_the_tile_and_retries(tiny_onnx: Path) -> None:
    from backend.inference.engine import open_engine

    engine = open_engine(tiny_onnx)
    calls: list[tuple[int, ...]] = []

    def infer(batch: np.ndarray) -> np.ndarray:
        calls.append(batch.shape)
        if batch.shape[2] * batch.shape[3] > 128 * 128:
            raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Failed to allocate memory")
        return engine.run(batch)

    restorer = Restorer(infer, tile=512, overlap=32, is_out_of_memory=lambda e: "allocate" in str(e))
    image = smooth_rgb(600, 700)
    result = restorer.restore(image)
    assert result.tile == 128 and restorer.tile == 128  # 512 -> 256 -> 128, and it stays there
    assert result.notes == [
        "out of memory with 512 px tiles; retried with 256 px tiles",
        "out of memory with 256 px tiles; retried with 128 px tiles",
    ]
    assert restorer.overlap == 32
    reference = Restorer(engine.run, tile=128, overlap=32).restore(image)
    np.testing.assert_array_equal(result.pixels, reference.pixels)
    assert not restorer.restore(smooth_rgb(300, 300)).notes  # the next image starts at 128 px
    failing = Restorer(lambda b: (_ for _ in ()).throw(MemoryError()), tile=MIN_TILE * 2)
    with pytest.raises(MemoryError):
        failing.restore(image)  # 128 -> 64 -> nothing smaller: the error goes up


# VmHWM, not ru_maxrss: Linux carries the parent's high-water mark into a child across fork and exec
def test_out_of_memory_in_the_pipeline_reads_the_image_again(tiny_onnx: Path, tmp_path: Path) -> None:
    """The pipeline restores in place (one copy of a big image in memory); after an out-of-memory error
    part of it already holds output, so the file is read again and restored with the smaller tile."""
    from PIL import Image

    from backend.batch.pipeline import Outcome, Pipeline, Task, file_sink
    from backend.inference.engine import open_engine

    engine = open_engine(tiny_onnx)
    source = tmp_path / "scan.png"
    Image.fromarray(smooth_rgb(600, 700)).save(source)
    failures = iter([False, False, True])  # the third call of 256 px tiles fails: rows are written by then

    def infer(batch: np.ndarray) -> np.ndarray:
        if batch.shape[2] * batch.shape[3] > 128 * 128 and next(failures, True):
            raise MemoryError("out of memory")
        return engine.run(batch)

    outcomes: list[Outcome] = []
    restorer = Restorer(infer, tile=256, overlap=32, is_out_of_memory=lambda e: isinstance(e, MemoryError))
    Pipeline(restorer, sink=file_sink(tmp_path / "out"), report=outcomes.append).run(
        [Task("scan.png", source, "scan.png")]
    )
    (outcome,) = outcomes
    assert outcome.restored and outcome.tile == 128
    assert outcome.notes == ["out of memory with 256 px tiles; retried with 128 px tiles"]
    reference = Restorer(engine.run, tile=128, overlap=32).restore(smooth_rgb(600, 700))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out" / "scan.png")), reference.pixels)


PEAK_RSS = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from pathlib import Path
    from backend.inference.engine import open_engine
    from backend.inference.restorer import Restorer

    def peak_mb():
        return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024

    engine = open_engine(Path(sys.argv[1]))
    image = np.random.default_rng(0).integers(0, 256, (2000, 3000, 3), dtype=np.uint8)
    engine.run(np.zeros((1, 3, 32, 32), np.float32))
    before = peak_mb()
    Restorer(engine.run, tile=int(sys.argv[2]), overlap=32, batch_size=16, batch_pixels=512 * 512).restore(image)
    print(json.dumps({"before_mb": before, "peak_mb": peak_mb()}))
    """
)


@pytest.mark.slow
def test_memory_follows_the_tile_size_not_the_image_size(tiny_onnx: Path) -> None:
    """A 3000x2000 image: peak memory with 256 px tiles stays a fraction of a whole-image run's."""

    def peak(tile: int) -> dict[str, float]:
        done = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, str(tiny_onnx), str(tile)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    tiled, whole = peak(256), peak(0)
    grown_tiled = tiled["peak_mb"] - tiled["before_mb"]
    grown_whole = whole["peak_mb"] - whole["before_mb"]
    # the image in and out is 2 x 18 MB; a whole-image run adds the network's activations at full size
    assert grown_tiled < 250, tiled
    assert grown_whole > 4 * grown_tiled, (tiled, whole)
    assert tiled["peak_mb"] < whole["peak_mb"] / 3, (tiled, whole)
