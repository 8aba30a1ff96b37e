"""Overlapping tiles blended with linear ramps, processed one band of tile rows at a time.

Only one band is held in float32 (``tile`` rows x the image width, plus a weight plane): rows that no
later tile can touch are normalised and handed to ``write`` before the next band starts, so memory grows
with the tile size and the image width, not the image area. The grid and the ramps are those of
``backend.restoration.tiling`` (the PyTorch version used by training), so both blend the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

FLUSH_ROWS = 64
#: a batch of NxCxhxw float32 tiles in [0, 1] -> the network's output for them (same shape)
InferBatch = Callable[[np.ndarray], np.ndarray]
#: (top, left, height, width) -> the CxHxW float32 input of that region
ReadRegion = Callable[[int, int, int, int], np.ndarray]
#: (top, rows) -> final CxRxW float32 output rows starting at ``top``
WriteRows = Callable[[int, np.ndarray], None]


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles of side ``tile`` covering ``length``; the last one ends flush with it."""
    if length <= tile:
        return [0]
    step = tile - overlap
    starts = list(range(0, length - tile, step))
    starts.append(length - tile)
    return starts


def ramp(size: int, overlap: int) -> np.ndarray:
    """Blend weights along one side of a tile: a linear ramp over ``overlap`` pixels at both ends."""
    weights = np.ones(size, dtype=np.float32)
    if overlap > 0:
        edge = np.linspace(0.0, 1.0, overlap + 2, dtype=np.float32)[1:-1]
        weights[:overlap] = edge
        weights[-overlap:] = edge[::-1]
    return weights


def run_tiled(
    *,
    height: int,
    width: int,
    channels: int,
    tile: int,
    overlap: int,
    batch_size: int,
    read: ReadRegion,
    infer: InferBatch,
    write: WriteRows,
    check: Callable[[], None] = lambda: None,
) -> int:
    """Restore a ``height`` x ``width`` image tile by tile; return the number of tiles run.

    ``tile`` <= 0 means one tile for the whole image. Every row is written exactly once, top to bottom.
    ``check`` is called between batches (it raises to stop, e.g. on cancellation).
    """
    if tile <= 0:
        tile = max(height, width)
    th, tw = min(tile, height), min(tile, width)
    tops, lefts = tile_starts(height, tile, overlap), tile_starts(width, tile, overlap)
    weights = ramp(th, overlap if height > tile else 0)[:, None] * ramp(tw, overlap if width > tile else 0)[None, :]
    acc = np.zeros((channels, th, width), dtype=np.float32)  # rows [window_top, window_top + th)
    total = np.zeros((th, width), dtype=np.float32)
    window_top = 0
    count = 0

    def flush(rows: int) -> None:
        # a few rows at a time: the conversions of a whole band would cost several band-sized temporaries
        for start in range(0, rows, FLUSH_ROWS):
            stop = min(rows, start + FLUSH_ROWS)
            write(window_top + start, acc[:, start:stop] / np.maximum(total[start:stop], 1e-8))

    for top in tops:
        shift = top - window_top
        if shift:
            flush(shift)
            acc[:, : th - shift] = acc[:, shift:]
            acc[:, th - shift :] = 0.0
            total[: th - shift] = total[shift:]
            total[th - shift :] = 0.0
            window_top = top
        for first in range(0, len(lefts), max(1, batch_size)):
            check()
            group = lefts[first : first + max(1, batch_size)]
            batch = np.stack([read(top, left, th, tw) for left in group])
            output = infer(batch)
            for index, left in enumerate(group):
                acc[:, :, left : left + tw] += output[index] * weights
                total[:, left : left + tw] += weights
            count += len(group)
    flush(height - window_top)
    return count
