"""Self-ensemble: the mean of the network over the eight flips and quarter-turns of its input, each output
turned back; eight network calls per batch of tiles."""

from __future__ import annotations

import numpy as np

from backend.inference.ensemble import VIEWS, self_ensemble
from backend.inference.restorer import Restorer


def batch(height: int, width: int) -> np.ndarray:
    return np.random.default_rng(height * width).random((2, 3, height, width), dtype=np.float32)


def test_a_network_that_commutes_with_turns_gives_its_own_output() -> None:
    images = batch(24, 40)
    brighten = lambda x: np.sqrt(x)  # noqa: E731 - acts on each pixel alone: the same whatever the view
    np.testing.assert_allclose(self_ensemble(brighten, images), brighten(images), rtol=1e-6)


def test_every_view_is_turned_back_before_the_mean() -> None:
    """A network that adds a left-to-right ramp: each view turned back adds it in one of four directions
    (twice each), and those cancel to the ramp's mean; a view not turned back would leave a ramp."""
    images = batch(24, 40)

    def add_ramp(x: np.ndarray) -> np.ndarray:
        return x + np.linspace(0.0, 1.0, x.shape[3], dtype=np.float32)

    output = self_ensemble(add_ramp, images)
    assert output.shape == images.shape
    difference = output - images
    np.testing.assert_allclose(difference, difference.mean(), atol=1e-5)
    assert abs(float(difference.mean()) - 0.5) < 1e-5


def test_the_views_are_the_eight_symmetries_of_a_square() -> None:
    seen: list[np.ndarray] = []

    def record(x: np.ndarray) -> np.ndarray:
        seen.append(x.copy())
        return x

    images = batch(16, 16)
    self_ensemble(record, images)
    assert len(seen) == len(VIEWS) == 8
    assert len({view.tobytes() for view in seen}) == 8  # no two views alike
    assert all(view.flags.c_contiguous for view in seen)  # what an ONNX Runtime session needs


def test_the_restorer_runs_eight_calls_a_tile_only_when_asked() -> None:
    calls: list[tuple[int, ...]] = []

    def network(x: np.ndarray) -> np.ndarray:
        calls.append(x.shape)
        return x[:, :, :, ::-1].copy()  # mirrors left-right: seen from a quarter-turned view, upside down

    image = (np.random.default_rng(0).random((40, 56, 3)) * 255).astype(np.uint8)
    plain = Restorer(network, tile=0).restore(image).pixels
    assert len(calls) == 1
    ensembled = Restorer(network, tile=0, self_ensemble=True).restore(image).pixels
    assert len(calls) == 9 and {shape[2:] for shape in calls[1:]} == {(40, 56), (56, 40)}  # turned views: tall
    np.testing.assert_array_equal(plain, image[:, ::-1])
    expected = (image[:, ::-1].astype(np.float32) + image[::-1]) / 2  # four views mirror it each way
    assert np.abs(ensembled - expected).max() <= 1
