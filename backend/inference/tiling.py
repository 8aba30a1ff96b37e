"""Run a tile plan (``backend.inference.plan``): tiles read, batched through the network, blended with the
plan's feathered weights, processed one band of tile rows at a time.

Only one band is held in float32 (a tile's height x the image width, plus a weight plane): rows that no
later tile can touch are normalised and handed to ``write`` before the next band starts, so memory grows
with the tile size and the image width, not the image area. A tiled side is read reflected past its end
up to the plan's padded size (as the network pads a whole image), and the padding is never written.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backend.inference.plan import TilePlan, feather

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


def run_tiled(
    *,
    plan: TilePlan,
    channels: int,
    read: ReadRegion,
    infer: InferBatch,
    write: WriteRows,
    check: Callable[[], None] = lambda: None,
) -> int:
    """Restore an image by ``plan``; return the number of tiles run.

    Every row is written exactly once, top to bottom. ``check`` is called between batches (it raises to
    stop, e.g. on cancellation).
    """
    rows, cols = plan.rows, plan.cols
    height, width = rows.length, cols.length
    th, tw = plan.tile_shape
    col_weights = [feather(cols, index) for index in range(cols.count)]
    acc = np.zeros((channels, th, cols.padded), dtype=np.float32)  # rows [window_top, window_top + th)
    total = np.zeros((th, cols.padded), dtype=np.float32)
    window_top = 0
    count = 0

    def flush(upto: int) -> None:
        # a few rows at a time: the conversions of a whole band would cost several band-sized temporaries
        for start in range(0, min(upto, height) - window_top, FLUSH_ROWS):
            stop = min(upto, height) - window_top
            stop = min(stop, start + FLUSH_ROWS)
            write(window_top + start, acc[:, start:stop, :width] / np.maximum(total[start:stop, :width], 1e-8))

    for row, top in enumerate(rows.starts):
        shift = top - window_top
        if shift:
            flush(top)
            acc[:, : th - shift] = acc[:, shift:]
            acc[:, th - shift :] = 0.0
            total[: th - shift] = total[shift:]
            total[th - shift :] = 0.0
            window_top = top
        row_weights = feather(rows, row)[:, None]
        for first in range(0, cols.count, plan.batch):
            check()
            group = range(first, min(cols.count, first + plan.batch))
            batch = np.stack([read_padded(read, height, width, top, cols.starts[c], th, tw) for c in group])
            output = infer(batch)
            for index, c in enumerate(group):
                left = cols.starts[c]
                weights = row_weights * col_weights[c]
                acc[:, :, left : left + tw] += output[index] * weights
                total[:, left : left + tw] += weights
            count += len(group)
    flush(height)
    return count
