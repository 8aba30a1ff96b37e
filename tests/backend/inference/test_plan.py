"""Tile plans, checked exhaustively over a grid of sides and limits: the fewest tiles, of one size, aligned
to the network's multiple, overlapping by at least the overlap, covering the side; feathered weights that
never leave a pixel unweighed and never weigh a tile's cut inner edge; area-limited plans that waste little."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from backend.inference.plan import AxisPlan, PlanRefused, blend_weights, feather, plan_axis, plan_tiles

# (limit, overlap, multiple): the defaults' shapes, odd limits, overlaps near half the limit, big multiples
LIMITS = [(64, 0, 1), (64, 16, 4), (100, 40, 16), (96, 8, 32), (128, 32, 8), (256, 32, 4), (512, 32, 8), (513, 31, 1)]


def _down(value: int, multiple: int) -> int:
    return value // multiple * multiple


def _reach(count: int, limit: int, overlap: int, multiple: int) -> int:
    """The longest side ``count`` aligned tiles of at most ``limit`` px can cover (independent of the code)."""
    top = _down(limit, multiple)
    return top + (count - 1) * _down(top - overlap, multiple)


def _check_axis(plan: AxisPlan, length: int, limit: int, overlap: int, multiple: int) -> None:
    assert plan.length == length and plan.size <= limit
    if length <= limit:
        assert (plan.size, plan.starts, plan.padded) == (length, (0,), length)
        return
    padded = -(-length // multiple) * multiple
    assert plan.padded == padded and plan.size % multiple == 0
    assert plan.starts[0] == 0 and plan.starts[-1] + plan.size == padded  # covered to the end, no further
    assert all(start % multiple == 0 for start in plan.starts)
    assert all(b > a for a, b in itertools.pairwise(plan.starts))
    assert min(plan.overlaps()) >= overlap
    # the fewest: one tile less cannot reach, whatever their size; and never more than unaligned tiles need
    # plus what the alignment costs
    assert _reach(plan.count - 1, limit, overlap, multiple) < padded <= _reach(plan.count, limit, overlap, multiple)
    assert plan.count >= -(-(length - overlap) // (limit - overlap))
    if multiple == 1:
        assert plan.count == -(-(length - overlap) // (limit - overlap))


@pytest.mark.parametrize(("limit", "overlap", "multiple"), LIMITS)
def test_every_side_gets_the_fewest_equal_aligned_tiles(limit: int, overlap: int, multiple: int) -> None:
    for length in range(1, 1600):
        plan = plan_axis(length, limit, overlap, multiple)
        _check_axis(plan, length, limit, overlap, multiple)
        if plan.count > 1:  # the smallest size for that count: one multiple less leaves a gap or a thin overlap
            smaller = plan.size - multiple
            steps = -(-((plan.padded - smaller) // multiple) // (plan.count - 1)) * multiple
            assert smaller - steps < overlap


def test_the_issue_s_example_wastes_a_sixth_where_the_old_grid_wasted_more_than_twice() -> None:
    plan = plan_tiles(1024, 1024, side=512, overlap=32, multiple=8)
    assert (plan.rows.size, plan.rows.starts) == (368, (0, 328, 656))
    assert plan.count == 9 and plan.overhead == pytest.approx(9 * 368 * 368 / 1024**2)  # 1.16x, was 2.25x
    assert plan.describe() == "3x3 tiles of 368x368 px, 1.16x the pixels"
    assert plan_tiles(1024, 1024, side=1024, overlap=32).whole


@pytest.mark.parametrize(("limit", "overlap", "multiple"), LIMITS)
def test_feathered_weights_hand_over_smoothly_and_skip_cut_edges(limit: int, overlap: int, multiple: int) -> None:
    for length in range(limit + 1, 1600, 7):
        plan = plan_axis(length, limit, overlap, multiple)
        total = np.zeros(plan.padded)
        weights = [feather(plan, index) for index in range(plan.count)]
        for start, weight in zip(plan.starts, weights, strict=True):
            assert weight.shape == (plan.size,) and weight.min() >= 0 and weight.max() <= 1
            total[start : start + plan.size] += weight
        assert total.min() > 0.4  # no pixel is left unweighed
        assert weights[0][0] == 1 and weights[-1][-1] == 1  # the image's own edges count fully
        for index, between in enumerate(plan.overlaps()):
            cut = between // 4  # the outer quarter of every overlap: context cut short there
            assert not weights[index + 1][:cut].any() and not weights[index][plan.size - cut :].any()
        if min(plan.overlaps()) * 3 <= 2 * plan.size:  # at most two tiles blend anywhere: weights sum to one
            np.testing.assert_allclose(total, 1.0, atol=1e-6)


@pytest.mark.parametrize(("limit", "overlap", "multiple"), [*LIMITS, (64, 31, 1), (100, 49, 1)])
def test_blend_weights_sum_to_one_everywhere_even_where_three_tiles_meet(
    limit: int, overlap: int, multiple: int
) -> None:
    """What lets a tile run blend by a plain weighted sum: no weight plane, no division."""
    for length in range(limit + 1, 1600, 7):
        plan = plan_axis(length, limit, overlap, multiple)
        total = np.zeros(plan.padded)
        weights = blend_weights(plan)
        for start, weight, raw in zip(plan.starts, weights, (feather(plan, i) for i in range(plan.count)), strict=True):
            assert weight.dtype == np.float32 and weight.shape == (plan.size,)
            assert ((weight == 0) == (raw == 0)).all()  # cut edges still weigh nothing
            total[start : start + plan.size] += weight
        np.testing.assert_allclose(total, 1.0, atol=1e-6)


@pytest.mark.parametrize(
    ("height", "width", "pixels"),
    [
        (4000, 6000, 8_000_000),
        (3000, 4000, 5_000_000),
        (1, 24_000_000, 4_000_000),
        (9000, 12000, 300_000),
        (6000, 4000, 24_000_000),
        (700, 900, 65_536),
    ],
)
def test_an_area_limit_keeps_tiles_within_it_and_wastes_little(height: int, width: int, pixels: int) -> None:
    plan = plan_tiles(height, width, pixels=pixels, overlap=32, multiple=8, batch=16)
    h, w = plan.tile_shape
    assert h * w <= pixels and plan.batch * h * w <= max(pixels, h * w)
    _check_axis(plan.rows, height, plan.rows.size if plan.rows.count > 1 else height, 32, 8)
    if height * width <= pixels:
        assert plan.whole
    else:
        # against the best square tiles of the same area: never more pixels through the network
        side = int(pixels**0.5)
        square = plan_tiles(height, width, side=side, overlap=32, multiple=8)
        assert plan.processed_pixels <= square.processed_pixels
        assert plan.overhead < 1.35


def test_overlaps_of_half_the_tile_are_refused_with_the_reason() -> None:
    with pytest.raises(PlanRefused, match="an overlap of 64 px needs tiles over 128 px; the limit is 128 px"):
        plan_axis(1000, 128, 64)
    with pytest.raises(PlanRefused, match="no step of 32 px"):
        plan_axis(1000, 90, 40, multiple=32)
    assert plan_axis(100, 128, 64).count == 1  # a side that fits is whole, whatever the overlap

    from backend.inference.restorer import Restorer

    # a tile the params accept but too small to align to the network: unaligned tiles, not a failed image
    unaligned = Restorer(lambda batch: batch, tile=95, overlap=47, multiple=32).plan(1000, 1000)
    assert unaligned.tile_shape == (95, 95) and min(unaligned.rows.overlaps()) >= 47

    from omni_core.batch.params import RestoreOptions, check_options
    from omni_core.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="under half the tile"):
        check_options(RestoreOptions(tile=128, overlap=64))
    assert check_options(RestoreOptions()).auto_tile  # no tile asked for: the memory-derived default
