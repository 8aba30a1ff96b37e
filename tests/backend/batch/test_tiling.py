"""Tiles: every plan blends back exactly, tiles equal a whole-image run on a real exported network (exactly
for a convolutional one, within a stated tolerance for a global-attention one), memory follows the tile
size rather than the image size, and an out-of-memory error halves the tile and retries the image."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backend.inference.plan import plan_tiles
from backend.inference.restorer import MIN_TILE, Restorer
from backend.inference.tiling import run_tiled
from tests.backend.batch.conftest import smooth_rgb
from tests.helpers import REPO

IDENTITY_CASES = [
    # (height, width, side, pixels, overlap, multiple): tiny images, 1 px strips, sides that are and are not
    # multiples, limits above the image, overlaps near half the tile, area limits
    (1, 1, 64, 0, 16, 4),
    (1, 700, 64, 0, 16, 4),
    (700, 1, 64, 0, 16, 8),
    (5, 7, 64, 0, 0, 1),
    (64, 64, 64, 0, 31, 1),
    (65, 64, 64, 0, 31, 1),
    (257, 513, 128, 0, 32, 8),
    (300, 410, 100, 0, 49, 1),
    (1000, 999, 256, 0, 32, 16),
    (333, 777, 2048, 0, 32, 8),
    (600, 900, 0, 200 * 200, 32, 8),
    (3, 5000, 0, 64 * 64, 8, 4),
]


@pytest.mark.parametrize(("height", "width", "side", "pixels", "overlap", "multiple"), IDENTITY_CASES)
def test_every_plan_writes_each_row_once_and_blends_an_identity_exactly(
    height: int, width: int, side: int, pixels: int, overlap: int, multiple: int
) -> None:
    image = np.random.default_rng(0).random((3, height, width), dtype=np.float32)
    out = np.full_like(image, np.nan)
    rows_seen: list[int] = []
    shapes: set[tuple[int, ...]] = set()

    def write(top: int, rows: np.ndarray) -> None:
        rows_seen.extend(range(top, top + rows.shape[1]))
        out[:, top : top + rows.shape[1]] = rows

    def identity(batch: np.ndarray) -> np.ndarray:
        shapes.add(batch.shape[1:])
        return batch

    plan = plan_tiles(height, width, side=side, pixels=pixels, overlap=overlap, multiple=multiple, batch=3)
    tiles = run_tiled(
        plan=plan, channels=3, read=lambda t, lf, h, w: image[:, t : t + h, lf : lf + w], infer=identity, write=write
    )
    assert rows_seen == list(range(height))  # each row written once, in order
    assert tiles == plan.count and shapes == {(3, *plan.tile_shape)}  # one tile size: batches of equal tiles
    np.testing.assert_allclose(out, image, atol=1e-6)


def _whole_and_tiled(engine_run: Any, image: np.ndarray, **tiles: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    whole = Restorer(engine_run, tile=0).restore(image)
    tiled = Restorer(engine_run, **tiles).restore(image)
    assert whole.tile == 0 and whole.plan is not None and whole.plan.whole
    return whole.pixels.astype(int), tiled.pixels.astype(int), tiled


@pytest.mark.parametrize(
    ("height", "width", "tile"), [(700, 900, 256), (301, 419, 128), (257, 1000, 64), (1, 700, 64), (90, 3, 64)]
)
def test_tiles_aligned_to_the_network_equal_the_whole_image(
    tiny_onnx: Path, height: int, width: int, tile: int
) -> None:
    """Layer 1 is a convolutional U-Net: tiles aligned to its multiple (4) see the whole run's pixel grid, so
    once the overlap's weighed middle is beyond the receptive field of a cut edge, tiles equal the whole."""
    from backend.inference.engine import open_engine
    from backend.inference.memory import probe

    multiple = probe(tiny_onnx).multiple
    assert multiple == 4  # three levels: 2 ** (3 - 1)
    engine = open_engine(tiny_onnx)
    image = smooth_rgb(height, width, seed=3)
    whole, tiled, result = _whole_and_tiled(engine.run, image, tile=tile, overlap=tile // 4, multiple=multiple)
    assert np.abs(tiled - whole).max() <= 1  # rounding of float32 sums only
    if max(height, width) > tile:
        assert result.tile == tile and result.plan.count > 1
        # unaligned tiles of the old grid's kind cut the stride-2 grid: visibly different
        unaligned = Restorer(engine.run, tile=tile, overlap=tile // 4, multiple=1).restore(image).pixels.astype(int)
        assert np.abs(unaligned - whole).max() >= np.abs(tiled - whole).max()
    grey = Restorer(engine.run, tile=tile, overlap=tile // 4, multiple=multiple).restore(image[:, :, :1].copy())
    assert grey.pixels.shape == (height, width, 1)


def test_a_global_attention_network_stays_within_a_stated_tolerance(tmp_path: Path) -> None:
    """Layer 2's channel attention pools over its whole input, so no overlap makes tiles exact: each tile's
    attention sees its own pixels. Untrained ("mini"), tiles of 128 px with the default 32 px overlap differ
    from the whole image by at most 2 grey levels (0.44 on average); the bound leaves room for other CPUs'
    float rounding. No seam: the difference does not jump from one column (or row) to the next."""
    import torch

    from backend.inference.engine import open_engine
    from backend.inference.memory import probe
    from backend.restoration.archs import build_network, preset_for
    from backend.restoration.export import export_onnx

    torch.manual_seed(0)
    path = tmp_path / "layer2-mini.onnx"
    export_onnx(build_network(preset_for(2, "mini")).eval(), path, check_sizes=((32, 32),))
    engine = open_engine(path)
    image = smooth_rgb(200, 260, seed=4)
    whole, tiled, result = _whole_and_tiled(engine.run, image, tile=128, overlap=32, multiple=probe(path).multiple)
    assert result.plan.count == 6
    difference = np.abs(tiled - whole)
    assert difference.max() <= 3 and difference.mean() < 0.75, (difference.max(), difference.mean())
    for axis in (0, 1):
        jumps = np.abs(np.diff(tiled - whole, axis=axis)).mean(axis=(1 - axis, 2))
        assert jumps.max() < 2 * np.median(jumps), jumps  # rounding noise everywhere, no spike at a seam


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

    from backend.batch.pipeline import Pipeline, Task, file_sink
    from backend.inference.engine import open_engine
    from omni_core.batch.outcome import Outcome

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
