"""The conversions behind the modes a network does not take: exact round trips, black kept, value ranges."""

from __future__ import annotations

import numpy as np
import pytest

from omni_core.batch import colour


def test_cmyk_round_trip_keeps_every_plate() -> None:
    rng = np.random.default_rng(0)
    cmyk = rng.integers(0, 256, (64, 64, 4), dtype=np.uint8)
    cmyk[..., :3] = np.minimum(cmyk[..., :3], 255 - cmyk[..., 3:])  # under full black, C, M and Y show nothing
    rgb = colour.cmyk_to_rgb(cmyk)
    again = colour.rgb_to_cmyk(rgb, black=cmyk[..., 3])
    assert np.abs(colour.cmyk_to_rgb(again).astype(int) - rgb).max() <= 1  # the same colours
    assert np.abs(again[..., 3].astype(int) - cmyk[..., 3]).max() == 0  # the same black plate


def test_black_text_stays_in_black_alone_and_light_pixels_give_up_black() -> None:
    text = np.zeros((1, 2, 4), np.uint8)
    text[0, 0, 3] = 230  # black text (K only) next to paper
    rgb = colour.cmyk_to_rgb(text)
    assert colour.rgb_to_cmyk(rgb, text[..., 3]).tolist() == text.tolist()
    lighter = np.full((1, 1, 3), 200, np.uint8)  # restored lighter than K 230 allows
    assert colour.rgb_to_cmyk(lighter, np.full((1, 1), 230, np.uint8)).tolist() == [[[0, 0, 0, 55]]]
    assert colour.rgb_to_cmyk(np.zeros((1, 1, 3), np.uint8)).tolist() == [[[0, 0, 0, 255]]]


@pytest.mark.parametrize(
    ("values", "low", "high", "scaled"),
    [
        (np.array([[0, 40_000]], np.int32), 0.0, 65535.0, False),  # 16-bit values in a 32-bit file: as they are
        (np.array([[10, 200_000]], np.int32), 0.0, 200_000.0, True),
        (np.array([[-5, 5]], np.int32), -5.0, 5.0, True),
        (np.array([[0.25, 0.5]], np.float32), 0.0, 1.0, True),  # a dim float scan stays dim
        (np.array([[3.0, 180.0]], np.float32), 0.0, 255.0, True),
        (np.array([[-1.0, np.nan, 2.0]], np.float32), -1.0, 2.0, True),
    ],
)
def test_wide_grey_ranges(values: np.ndarray, low: float, high: float, scaled: bool) -> None:
    u16, mapping = colour.to_uint16(values)
    assert (mapping.low, mapping.high, mapping.scaled) == (low, high, scaled) and u16.dtype == np.uint16
    back = colour.from_uint16(u16, mapping, "F" if values.dtype.kind == "f" else "I")
    finite = np.isfinite(values)
    assert np.abs(back[finite] - values[finite]).max() <= (high - low) / 65535 + 1e-6
