"""Several network calls at once (``Restorer(streams=N)``): one image's tiles spread over the streams and
blended in plan order, whole images restored by as many inference loops, never more calls at once than
streams, and the same pixels as one call at a time (also in place, where rows are overwritten as they finish)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.batch.pipeline import Pipeline, Task, file_sink
from backend.inference.plan import plan_tiles
from backend.inference.restorer import Restorer
from backend.inference.tiling import run_tiled
from omni_core.batch.outcome import Outcome
from tests.backend.batch.conftest import smooth_rgb
from tests.backend.batch.test_tiling import IDENTITY_CASES


class Concurrency:
    """Wraps a network: records the most calls running at once; each call takes at least ``delay`` seconds so
    that calls which can overlap do."""

    def __init__(self, run: object, delay: float = 0.02) -> None:
        self.run, self.delay = run, delay
        self.now = self.most = self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:
            self.now += 1
            self.calls += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(self.delay)
            return self.run(batch)  # type: ignore[operator, no-any-return]
        finally:
            with self._lock:
                self.now -= 1


@pytest.mark.parametrize(("height", "width", "side", "pixels", "overlap", "multiple"), IDENTITY_CASES)
def test_tiles_run_at_once_blend_exactly_as_one_at_a_time(
    height: int, width: int, side: int, pixels: int, overlap: int, multiple: int
) -> None:
    image = np.random.default_rng(1).random((3, height, width), dtype=np.float32)
    plan = plan_tiles(height, width, side=side, pixels=pixels, overlap=overlap, multiple=multiple, batch=2)

    def restore(executor: ThreadPoolExecutor | None) -> tuple[np.ndarray, list[int]]:
        out = np.full_like(image, np.nan)
        rows_seen: list[int] = []

        def write(top: int, rows: np.ndarray) -> None:
            rows_seen.extend(range(top, top + rows.shape[1]))
            out[:, top : top + rows.shape[1]] = rows

        def read(t: int, lf: int, h: int, w: int) -> np.ndarray:
            return image[:, t : t + h, lf : lf + w] * np.float32(0.5)  # a "network" that is not the identity

        tiles = run_tiled(
            plan=plan, channels=3, read=read, infer=lambda b: b * np.float32(2.0), write=write,
            executor=executor, in_flight=3,
        )  # fmt: skip
        assert tiles == plan.count
        return out, rows_seen

    sequential, rows_one = restore(None)
    with ThreadPoolExecutor(3) as executor:
        concurrent, rows_many = restore(executor)
    assert rows_many == rows_one == list(range(height))  # each row once, top to bottom
    np.testing.assert_array_equal(concurrent, sequential)
    np.testing.assert_allclose(concurrent, image, atol=1e-6)


def test_an_image_s_tiles_use_every_stream_and_never_more(tiny_onnx: Path) -> None:
    """In place too: rows are overwritten only once no tile in flight still reads them."""
    from backend.inference.engine import open_engine

    engine = open_engine(tiny_onnx)
    image = smooth_rgb(700, 900, seed=5)
    reference = Restorer(engine.run, tile=128, overlap=32, multiple=4).restore(image).pixels
    network = Concurrency(engine.run)
    restorer = Restorer(network, tile=128, overlap=32, multiple=4, streams=3)
    pixels = image.copy()
    result = restorer.restore(pixels, in_place=True)
    assert result.pixels is pixels and result.tiles == network.calls > 9
    assert network.most == 3  # all three streams busy at once, and never a fourth
    np.testing.assert_array_equal(result.pixels, reference)


def test_an_error_in_one_stream_waits_for_the_others_and_the_tile_halves(tiny_onnx: Path) -> None:
    from backend.inference.engine import open_engine

    engine = open_engine(tiny_onnx)
    running_after_error: list[int] = []
    network = Concurrency(engine.run, delay=0.05)

    def infer(batch: np.ndarray) -> np.ndarray:
        if batch.shape[2] * batch.shape[3] > 128 * 128 and network.calls >= 2:
            raise MemoryError("out of memory")
        return network(batch)

    restorer = Restorer(infer, tile=256, overlap=32, multiple=4, streams=2)
    original = restorer._restore_with

    def watched(*args: object, **kwargs: object) -> object:
        try:
            return original(*args, **kwargs)  # type: ignore[arg-type]
        except MemoryError:
            running_after_error.append(network.now)  # the image's other tiles have finished by now
            raise

    restorer._restore_with = watched  # type: ignore[method-assign]
    image = smooth_rgb(600, 700, seed=6)
    result = restorer.restore(image)
    assert running_after_error == [0]
    assert result.tile == 128 and result.notes == ["out of memory with 256 px tiles; retried with 128 px tiles"]
    reference = Restorer(engine.run, tile=128, overlap=32, multiple=4).restore(image)
    np.testing.assert_array_equal(result.pixels, reference.pixels)


def test_whole_images_are_restored_by_as_many_loops_as_streams(tiny_onnx: Path, tmp_path: Path) -> None:
    """Twelve pages that each fit one tile: two inference loops, every page written once, a broken one fails
    alone, and the run ends (every loop sees the end of the inputs)."""
    from backend.inference.engine import open_engine

    engine = open_engine(tiny_onnx)
    pages = {f"page{n:02d}.png": smooth_rgb(96 + 8 * (n % 3), 128, seed=n) for n in range(12)}
    for name, pixels in pages.items():
        Image.fromarray(pixels).save(tmp_path / name)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    network = Concurrency(engine.run, delay=0.05)
    restorer = Restorer(network, tile=0, batch_size=1, streams=2)
    outcomes: list[Outcome] = []
    names = [*sorted(pages), "broken.png"]
    Pipeline(restorer, sink=file_sink(tmp_path / "out"), report=outcomes.append).run(
        [Task(name, tmp_path / name, name) for name in names]
    )
    assert sorted(o.key for o in outcomes) == sorted(names)  # each once, in whatever order they finished
    failed = [o for o in outcomes if not o.restored]
    assert [o.key for o in failed] == ["broken.png"]
    assert network.most == 2 and network.calls == 12
    for name, pixels in pages.items():
        expected = Restorer(engine.run, tile=0).restore(pixels).pixels
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out" / name)), expected)


def test_a_cpu_run_opens_one_single_threaded_session_run_per_core(tiny_onnx: Path) -> None:
    from backend.batch.engine_setup import open_run_engine
    from backend.batch.precision import PrecisionFiles
    from backend.inference.engine import EngineOptions, machine_cores, open_engine
    from omni_core.batch.params import RestoreOptions

    cores = machine_cores()
    figures = {"bytes_per_pixel": 200.0, "multiple": 4}  # as a card gives them: no probe (nor its cache) here
    run = open_run_engine(PrecisionFiles({"fp32": tiny_onnx}, memory=figures), RestoreOptions(precision="fp32"))
    assert run.provider == "CPUExecutionProvider"
    assert run.restorer.streams == cores
    assert f"shared by {cores} tiles at once" in run.tile_limit or cores == 1
    opened = open_engine(tiny_onnx, EngineOptions(require_provider="CPUExecutionProvider", parallel_runs=cores))
    assert opened.parallel_runs == cores and opened.session.get_session_options().intra_op_num_threads == 1
    alone = open_engine(tiny_onnx, EngineOptions(require_provider="CPUExecutionProvider"))
    assert alone.session.get_session_options().intra_op_num_threads == cores
