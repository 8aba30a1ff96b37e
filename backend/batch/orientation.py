"""EXIF orientation on numpy arrays: turn stored pixels upright (what ``ImageOps.exif_transpose`` shows),
and back. The network sees the image as a person does; the output is stored like the input, under the
same EXIF tag, so viewers show both the same way."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_UPRIGHT: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: a[:, ::-1],  # mirrored
    3: lambda a: a[::-1, ::-1],  # rotated 180
    4: lambda a: a[::-1],  # flipped
    5: lambda a: a.swapaxes(0, 1),  # transposed
    6: lambda a: np.rot90(a, -1),  # rotated 90 clockwise to be upright
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),  # transversed
    8: lambda a: np.rot90(a, 1),  # rotated 90 counter-clockwise to be upright
}
_INVERSE = {2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6}


def valid_orientation(value: object) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def to_upright(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """HxW[xC] stored pixels -> upright pixels (a contiguous copy, or the array itself for 1)."""
    if orientation not in _UPRIGHT:
        return pixels
    return np.ascontiguousarray(_UPRIGHT[orientation](pixels))


def from_upright(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """The inverse of :func:`to_upright`."""
    if orientation not in _UPRIGHT:
        return pixels
    return np.ascontiguousarray(_UPRIGHT[_INVERSE[orientation]](pixels))
