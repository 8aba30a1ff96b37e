"""Self-ensemble: run the network on the eight flips and quarter-turns of its input, turn each output back
and average them (EDSR's "geometric self-ensemble", Lim et al. 2017). A network that is not exactly
equivariant makes slightly different errors on each view; the mean cancels part of them, at eight times the
compute and no more memory than one call (the views run one after another)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: the eight views: (quarter-turns, mirrored)
VIEWS: tuple[tuple[int, bool], ...] = tuple((turns, mirrored) for turns in range(4) for mirrored in (False, True))


def _view(batch: np.ndarray, turns: int, mirrored: bool) -> np.ndarray:
    """NxCxHxW -> the same images turned ``turns`` quarter-turns and then mirrored left-right (contiguous)."""
    viewed = np.rot90(batch, turns, axes=(2, 3))
    return np.ascontiguousarray(viewed[..., ::-1] if mirrored else viewed)


def _unview(output: np.ndarray, turns: int, mirrored: bool) -> np.ndarray:
    """The inverse of ``_view``: mirrored back, then turned back."""
    return np.rot90(output[..., ::-1] if mirrored else output, -turns, axes=(2, 3))


def self_ensemble(infer: Callable[[np.ndarray], np.ndarray], batch: np.ndarray) -> np.ndarray:
    """The mean of ``infer`` over the eight views of ``batch`` (NxCxHxW float32), each turned back."""
    outputs = (_unview(infer(_view(batch, turns, mirrored)), turns, mirrored) for turns, mirrored in VIEWS)
    total = np.array(next(outputs), dtype=np.float32)  # a writable copy (an engine may reuse its output)
    for output in outputs:
        total += output
    total /= np.float32(len(VIEWS))
    return total
