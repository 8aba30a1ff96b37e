"""Tile plans: how one image is cut into equal, overlapping tiles for a restoration network.

Per axis, the fewest tiles of one size not above the limit that overlap by at least the requested overlap
(1,024 px at limit 512 and overlap 32: three tiles of 368 px, not three of 512 px). A side that fits the
limit is one tile, the whole side. A tiled side is aligned to the network's ``multiple`` (the factor it
pads its input to, ``2 ** (levels - 1)``): tile sizes and starts are multiples of it, and the side is
reflected past its end up to a multiple, as the network itself pads a whole image. Each tile then sees the
pixel grid a whole-image run sees, so tiles agree wherever their context is complete: seams come only from
the missing context at a tile's inner edges, which the blend (``feather``) never weighs.

Pure arithmetic, no numpy arrays of pixels: ``backend.inference.tiling`` runs a plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: how many column counts an area-limited plan tries past the fewest, and around square tiles' count (a
#: shape that wastes fewer pixels can win; far from both it never does)
EXTRA_COUNTS = 8


class PlanRefused(ValueError):
    """The limits admit no plan (an overlap of half the tile or more); the message says which and why."""


@dataclass(frozen=True)
class AxisPlan:
    length: int  # the image's side
    size: int  # every tile's side along this axis
    starts: tuple[int, ...]  # each tile's first pixel, ascending; the last tile ends at ``padded``
    padded: int  # the side the tiles cover: ``length`` reflected up to a multiple when tiled

    @property
    def count(self) -> int:
        return len(self.starts)

    def overlaps(self) -> list[int]:
        return [self.size - (b - a) for a, b in zip(self.starts, self.starts[1:], strict=False)]


@dataclass(frozen=True)
class TilePlan:
    rows: AxisPlan
    cols: AxisPlan
    batch: int = 1  # tiles per network call (tiles of one row of the plan share a call)

    @property
    def count(self) -> int:
        return self.rows.count * self.cols.count

    @property
    def whole(self) -> bool:
        return self.count == 1

    @property
    def tile_shape(self) -> tuple[int, int]:
        return self.rows.size, self.cols.size

    @property
    def processed_pixels(self) -> int:
        return self.count * self.rows.size * self.cols.size

    @property
    def overhead(self) -> float:
        """Pixels through the network / pixels of the image (1.0 = no waste)."""
        return self.processed_pixels / max(1, self.rows.length * self.cols.length)

    def describe(self) -> str:
        """One line for people: "whole" or "2x3 tiles of 368x512 px, 1.16x the pixels, 3 per call"."""
        if self.whole:
            return "whole"
        h, w = self.tile_shape
        per_call = f", {self.batch} per call" if self.batch > 1 else ""
        return f"{self.rows.count}x{self.cols.count} tiles of {h}x{w} px, {self.overhead:.2f}x the pixels{per_call}"


def _up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def whole_axis(length: int) -> AxisPlan:
    return AxisPlan(length, length, (0,), length)


def _spread(padded: int, size: int, count: int, multiple: int) -> tuple[int, ...]:
    """``count`` starts from 0 to ``padded - size``, multiples of ``multiple``, steps as even as can be."""
    units, gaps = (padded - size) // multiple, count - 1
    starts, position = [0], 0
    for gap in range(gaps):
        position += units // gaps + (1 if gap < units % gaps else 0)
        starts.append(position * multiple)
    return tuple(starts)


def _fits(padded: int, size: int, count: int, overlap: int, multiple: int) -> bool:
    """Whether ``count`` aligned tiles of ``size`` cover ``padded`` with every overlap >= ``overlap``."""
    if count == 1:
        return size >= padded
    longest_step = -(-((padded - size) // multiple) // (count - 1)) * multiple
    return size - longest_step >= overlap


def axis_with_count(length: int, count: int, overlap: int, multiple: int, limit: int) -> AxisPlan | None:
    """``count`` tiles of the smallest aligned size <= ``limit`` covering ``length``, or None."""
    if count == 1:
        return whole_axis(length) if length <= limit else None
    padded = _up(length, multiple)
    size = _up(-(-(padded + (count - 1) * overlap) // count), multiple)
    while size <= limit and size < padded:
        if _fits(padded, size, count, overlap, multiple):
            return AxisPlan(length, size, _spread(padded, size, count, multiple), padded)
        size += multiple
    return None


def fewest_tiles(length: int, limit: int, overlap: int, multiple: int) -> int:
    """The fewest aligned tiles of at most ``limit`` px, overlapping by ``overlap``, covering ``length``."""
    if length <= limit:
        return 1
    top = limit // multiple * multiple  # the largest aligned tile; larger tiles never need more of them
    stride = (top - overlap) // multiple  # the longest step between starts, in multiples
    check_limits(limit, overlap, multiple)
    return 1 + -(-((_up(length, multiple) - top) // multiple) // stride)


def check_limits(limit: int, overlap: int, multiple: int) -> None:
    if overlap < 0:
        raise PlanRefused(f"the overlap must not be negative, got {overlap}")
    if 2 * overlap >= limit:
        raise PlanRefused(f"an overlap of {overlap} px needs tiles over {2 * overlap} px; the limit is {limit} px")
    if limit // multiple * multiple - overlap < multiple:
        raise PlanRefused(f"tiles of at most {limit} px leave no step of {multiple} px past a {overlap} px overlap")


def plan_axis(length: int, limit: int, overlap: int, multiple: int = 1) -> AxisPlan:
    """The fewest equal tiles of at most ``limit`` px covering ``length``, each overlapping the next by at
    least ``overlap`` px; raises PlanRefused when ``overlap`` is half the limit or more."""
    if length <= limit:
        return whole_axis(length)
    count = fewest_tiles(length, limit, overlap, multiple)
    plan = axis_with_count(length, count, overlap, multiple, limit)
    assert plan is not None, (length, limit, overlap, multiple)  # ``fewest_tiles`` guarantees one
    return plan


def plan_tiles(
    height: int, width: int, *, side: int = 0, pixels: int = 0, overlap: int = 0, multiple: int = 1, batch: int = 1
) -> TilePlan:
    """A plan whose tiles are at most ``side`` px along each axis (0 = any) and ``pixels`` in area (0 = any).

    With a side limit alone, each axis gets its fewest tiles. With an area limit, the plan that sends the
    fewest pixels through the network (then the fewest tiles) among the tile widths worth trying.
    ``batch`` (tiles per call) is capped by the tiles of one row and by ``pixels``.
    """
    side_h, side_w = side or height, side or width
    if pixels <= 0 or (height * width <= pixels and height <= side_h and width <= side_w):
        plan = TilePlan(plan_axis(height, side_h, overlap, multiple), plan_axis(width, side_w, overlap, multiple))
        return _with_batch(plan, batch, pixels)
    best: TilePlan | None = None
    first = fewest_tiles(width, side_w, overlap, multiple) if side else 1
    root = math.isqrt(pixels)
    square = fewest_tiles(width, min(side_w, root), overlap, multiple) if 2 * overlap < root else first
    counts = sorted(
        {*range(first, first + EXTRA_COUNTS), *range(max(first, square - EXTRA_COUNTS), square + EXTRA_COUNTS)}
    )
    for count in counts:
        cols = axis_with_count(width, count, overlap, multiple, side_w)
        if cols is None:
            continue
        rows_limit = min(side_h, pixels // cols.size)
        if 2 * overlap >= rows_limit or rows_limit // multiple * multiple - overlap < multiple:
            continue
        plan = TilePlan(plan_axis(height, rows_limit, overlap, multiple), cols)
        if best is None or (plan.processed_pixels, plan.count) < (best.processed_pixels, best.count):
            best = plan
    if best is None:
        check_limits(root, overlap, multiple)  # raises: no column width left room for the overlap
        best = TilePlan(plan_axis(height, root, overlap, multiple), plan_axis(width, root, overlap, multiple))
    return _with_batch(best, batch, pixels)


def _with_batch(plan: TilePlan, batch: int, pixels: int) -> TilePlan:
    tile = plan.rows.size * plan.cols.size
    fits = max(1, pixels // tile) if pixels > 0 else batch
    return TilePlan(plan.rows, plan.cols, max(1, min(batch, fits, plan.cols.count)))


def feather(axis: AxisPlan, index: int) -> np.ndarray:
    """Blend weights of tile ``index`` along ``axis`` (float32, ``axis.size`` long).

    Neighbouring tiles hand over in the middle half of their overlap with a raised cosine (their weights
    sum to one there); the outer quarter of an overlap, at a tile's inner edge where its context is cut,
    weighs nothing. Image edges are weighed fully. Every pixel keeps a positive total weight.
    """
    weights = np.ones(axis.size, dtype=np.float64)
    start = axis.starts[index]
    positions = np.arange(start, start + axis.size, dtype=np.float64) + 0.5
    overlaps = axis.overlaps()
    if index > 0:
        middle, half = start + overlaps[index - 1] / 2, overlaps[index - 1] / 4
        weights *= _rise((positions - middle) / max(half, 0.5))
    if index < axis.count - 1:
        middle, half = axis.starts[index + 1] + overlaps[index] / 2, overlaps[index] / 4
        weights *= _rise((middle - positions) / max(half, 0.5))
    return weights.astype(np.float32)


def blend_weights(axis: AxisPlan) -> list[np.ndarray]:
    """Each tile's ``feather`` divided by their sum along the axis: weights that add up to one at every pixel
    whatever the overlaps, so a blend is a plain weighted sum (no weight plane, no division). A 2D tile's
    weight is the product of its row's and its column's, and those sum to one over the grid as well."""
    weights = [feather(axis, index).astype(np.float64) for index in range(axis.count)]
    total = np.zeros(axis.padded)
    for start, weight in zip(axis.starts, weights, strict=True):
        total[start : start + axis.size] += weight
    return [
        (weight / total[start : start + axis.size]).astype(np.float32)
        for start, weight in zip(axis.starts, weights, strict=True)
    ]


def _rise(u: np.ndarray) -> np.ndarray:
    """0 for u <= -1, 1 for u >= 1, a raised cosine between; ``_rise(u) + _rise(-u) == 1``."""
    clipped = np.clip(u, -1.0, 1.0)
    return 0.5 + 0.5 * np.sin(clipped * (np.pi / 2))  # type: ignore[no-any-return]
