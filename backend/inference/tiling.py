"""Run a tile plan (``backend.inference.plan``): tiles read, batched through the network, blended with the
plan's feathered weights, processed one band of tile rows at a time.

Only one band is held in float32 (a tile's height x the image width): rows that no later tile can touch
are handed to ``write`` before the next band starts, so memory grows with the tile size and the image width,
not the image area. A tiled side is read reflected past its end up to the plan's padded size (as the network
pads a whole image), and the padding is never written.

Given an executor, up to ``in_flight`` batches of tiles are read and run at once (on a CPU, one single-threaded
network call per core runs faster than one call spread over the cores: ``backend.inference.engine``), and their
results are blended in plan order, so the output and the rows written are the same as one at a time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, wait

import numpy as np

from backend.inference.plan import TilePlan, blend_weights

FLUSH_ROWS = 64
#: a batch of NxCxhxw float32 tiles in [0, 1] -> the network's output for them (same shape)
InferBatch = Callable[[np.ndarray], np.ndarray]
#: (top, left, height, width) -> the CxHxW float32 input of that region (always inside the image)
ReadRegion = Callable[[int, int, int, int], np.ndarray]
#: (top, rows) -> final CxRxW float32 output rows starting at ``top``
WriteRows = Callable[[int, np.ndarray], None]


def read_padded(read: ReadRegion, height: int, width: int, top: int, left: int, h: int, w: int) -> np.ndarray:
    """The region, reflected past the image's bottom and right edges where it reaches beyond them."""
    inside_h, inside_w = min(h, height - top), min(w, width - left)
    region = read(top, left, inside_h, inside_w)
    if inside_h == h and inside_w == w:
        return region
    pad_h, pad_w = h - inside_h, w - inside_w
    widths = ((0, 0), (0, pad_h), (0, pad_w))
    if pad_h < inside_h and pad_w < inside_w:
        return np.pad(region, widths, mode="reflect")
    return np.pad(region, widths, mode="edge")


def _ramps(weights: np.ndarray) -> np.ndarray:
    """Where a tile's blend weight along one axis is not one: its feathered edges (a few dozen pixels)."""
    return np.flatnonzero(weights != 1.0)


def run_tiled(
    *,
    plan: TilePlan,
    channels: int,
    read: ReadRegion,
    infer: InferBatch,
    write: WriteRows,
    check: Callable[[], None] = lambda: None,
    executor: Executor | None = None,
    in_flight: int = 1,
) -> int:
    """Restore an image by ``plan``; return the number of tiles run.

    Every row is written exactly once, top to bottom, after every tile that reads it was read (so ``write`` may
    overwrite the input). ``check`` is called before each batch is started (it raises to stop, e.g. on
    cancellation). The network's output is the caller's to overwrite: each tile is weighed in place, and only
    along its feathered edges (``blend_weights`` are one everywhere else). With an ``executor``, up to
    ``in_flight`` batches run at once in its threads; an error in one is raised here once the others are done.
    """
    rows, cols = plan.rows, plan.cols
    height, width = rows.length, cols.length
    th, tw = plan.tile_shape
    row_weights, col_weights = blend_weights(rows), blend_weights(cols)
    row_ramps, col_ramps = [_ramps(w) for w in row_weights], [_ramps(w) for w in col_weights]
    acc = np.zeros((channels, th, cols.padded), dtype=np.float32)  # rows [window_top, window_top + th)
    window_top = 0
    count = 0

    def flush(upto: int) -> None:
        # a few rows at a time: converting a whole band would cost band-sized temporaries
        for start in range(0, min(upto, height) - window_top, FLUSH_ROWS):
            stop = min(min(upto, height) - window_top, start + FLUSH_ROWS)
            write(window_top + start, acc[:, start:stop, :width])

    def run_batch(top: int, group: range) -> np.ndarray:
        tiles = [read_padded(read, height, width, top, cols.starts[c], th, tw) for c in group]
        batch = tiles[0][None] if len(tiles) == 1 else np.stack(tiles)
        del tiles
        output = infer(batch)
        if np.may_share_memory(output, batch):  # a network that hands its input back: weigh a copy
            output = output.copy()
        return output

    def blend(row: int, group: range, output: np.ndarray) -> None:
        nonlocal window_top, count
        top = rows.starts[row]
        shift = top - window_top
        if shift:
            flush(top)
            acc[:, : th - shift] = acc[:, shift:]
            acc[:, th - shift :] = 0.0
            window_top = top
        ramp_rows = row_ramps[row]
        row_weight = row_weights[row][ramp_rows, None]
        for index, c in enumerate(group):
            left = cols.starts[c]
            tile = output[index]
            tile[:, ramp_rows] *= row_weight
            tile[:, :, col_ramps[c]] *= col_weights[c][col_ramps[c]]
            acc[:, :, left : left + tw] += tile
        count += len(group)

    running: deque[tuple[int, range, Future[np.ndarray]]] = deque()
    try:
        for row, top in enumerate(rows.starts):
            for first in range(0, cols.count, plan.batch):
                check()
                group = range(first, min(cols.count, first + plan.batch))
                if executor is None:
                    blend(row, group, run_batch(top, group))
                    continue
                running.append((row, group, executor.submit(run_batch, top, group)))
                while len(running) >= max(1, in_flight):
                    blend(*_finished(running.popleft()))
        while running:
            blend(*_finished(running.popleft()))
    finally:
        _settle(running)
    flush(height)
    return count


def _finished(item: tuple[int, range, Future[np.ndarray]]) -> tuple[int, range, np.ndarray]:
    row, group, future = item
    return row, group, future.result()


def _settle(running: deque[tuple[int, range, Future[np.ndarray]]]) -> None:
    """After an error or a stop: cancel the batches not started and wait for the ones running, so nothing of
    this image still runs (or holds memory) when the caller retries or moves on."""
    futures = [future for _, _, future in running]
    for future in futures:
        future.cancel()
    wait(futures)
