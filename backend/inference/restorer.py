"""Restore whole images with a restoration network: channels and bit depth in and out, the tile plan of each
image, batching of small images, and the out-of-memory rule (halve the tile, retry the image, keep the
smaller tile).

Images are HxWxC numpy arrays (C = 1 or 3, uint8 or uint16); the result has the same shape and dtype.
The network sees float32 NxCxHxW in [0, 1]; its output is clamped to [0, 1] and rounded back.
Nothing here knows about ONNX Runtime: ``infer`` is any batch function (``Engine.run`` in production).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from backend.inference.ensemble import self_ensemble
from backend.inference.plan import PlanRefused, TilePlan, plan_tiles, whole_axis
from backend.inference.tiling import InferBatch, run_tiled

#: exported graphs pad with reflection, which needs sides above half the network's multiple (5 px for
#: four levels); anything smaller is edge-padded to this before it reaches the network
MIN_SIDE = 16
#: the smallest tile the out-of-memory rule halves down to
MIN_TILE = 64
#: luminance weights of ITU-R 601, the ones Pillow uses for RGB -> L
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


class RestoreStopped(Exception):
    """``should_stop`` said so between two batches of tiles."""


class RetryWithFreshInput(Exception):
    """Out of memory while restoring in place: the tile is halved, but some input rows may already hold
    output, so the caller must read the image again and call ``restore`` once more."""

    def __init__(self, notes: list[str]) -> None:
        super().__init__("; ".join(notes))
        self.notes = notes


@dataclass
class Restored:
    pixels: np.ndarray
    tile: int  # the tile side limit used, or the longest tile side under an area limit (0 = whole image)
    tiles: int
    notes: list[str] = field(default_factory=list)
    plan: TilePlan | None = None  # None for images restored together in one call (each one whole)


def _scale(dtype: np.dtype) -> float:
    return 65535.0 if dtype == np.uint16 else 255.0


def _to_float(region: np.ndarray, channels: int) -> np.ndarray:
    """HxWxc integer pixels -> a new, contiguous CxHxW float32 array in [0, 1] (grey repeated when the network
    wants colour), converted and transposed in one pass."""
    height, width, planes = region.shape
    values = np.empty((planes, height, width), dtype=np.float32)
    np.multiply(region.transpose(2, 0, 1), np.float32(1.0 / _scale(region.dtype)), out=values, dtype=np.float32)
    if planes == 1 and channels == 3:
        values = np.repeat(values, 3, axis=0)
    return values


def _from_float(rows: np.ndarray, channels: int, dtype: np.dtype) -> np.ndarray:
    """CxRxW float output -> RxWxc integer pixels (colour back to grey by luminance when the input was)."""
    out = np.empty((rows.shape[1], rows.shape[2], channels), dtype=dtype)
    _store(rows, out)
    return out


def _store(rows: np.ndarray, out: np.ndarray) -> None:
    """Write CxRxW float output into the RxWxc integer pixels ``out`` (luminance when ``out`` is grey), rounded."""
    if out.shape[2] == 1 and rows.shape[0] == 3:
        values = np.tensordot(LUMA, rows, axes=1)[None]
    else:
        values = np.array(rows, dtype=np.float32)  # a copy: scaled in place below
    scale = _scale(out.dtype)
    values *= scale
    values += 0.5
    np.clip(values, 0.0, scale, out=values)
    out[...] = values.transpose(1, 2, 0)  # truncation after +0.5: rounding


def _clamped(output: np.ndarray) -> np.ndarray:
    """The network's output clamped to [0, 1], in place when it may be written (ONNX Runtime's may)."""
    if output.flags.writeable and output.dtype == np.float32:
        return np.clip(output, 0.0, 1.0, out=output)
    return np.clip(output, 0.0, 1.0).astype(np.float32, copy=False)


def _tile_used(plan: TilePlan, tile: int) -> int:
    if plan.whole:
        return 0
    return tile if tile > 0 else max(plan.tile_shape)


class Restorer:
    """Tile settings shared by every image of a run; ``tile`` shrinks for good after an out-of-memory.

    A tile is at most ``tile`` px along each side (0 = no limit) and ``tile_pixels`` in area (0 = no
    limit; the memory-derived default); both 0 = whole images. ``multiple`` is the factor the network pads
    its input to (``backend.inference.memory`` measures it): tiles are aligned to it.

    ``self_ensemble`` runs the network on the eight flips and turns of every tile and averages the outputs
    (``backend.inference.ensemble``): eight times the time, a little cleaner.

    ``streams`` network calls may run at once (a CPU engine opened for as many parallel runs): an image's tiles
    are run that many at a time, and callers restoring several images from as many threads share the same
    limit (``infer`` holds one of ``streams`` slots while the network runs).
    """

    def __init__(
        self,
        infer: InferBatch,
        *,
        model_channels: int = 3,
        tile: int = 512,
        overlap: int = 32,
        batch_size: int = 1,
        batch_pixels: int = 0,
        tile_pixels: int = 0,
        multiple: int = 1,
        streams: int = 1,
        self_ensemble: bool = False,
        is_out_of_memory: Callable[[BaseException], bool] = lambda error: isinstance(error, MemoryError),
    ) -> None:
        if model_channels not in (1, 3):
            raise ValueError(f"restoration networks take 1 or 3 channels, this one takes {model_channels}")
        self._infer = infer
        self.model_channels = model_channels
        self.tile = tile  # <= 0: whole images
        self.overlap = overlap
        self.batch_size = max(1, batch_size)
        self.batch_pixels = batch_pixels  # 0 = no limit besides ``batch_size``
        self.tile_pixels = tile_pixels
        self.multiple = max(1, multiple)
        self._is_oom = is_out_of_memory
        self._lock = threading.Lock()
        self.streams = max(1, streams)
        self.self_ensemble = self_ensemble
        self._slots = threading.BoundedSemaphore(self.streams)
        self._tile_runner = ThreadPoolExecutor(self.streams, "tile") if self.streams > 1 else None

    # -- the network, made safe for any size ---------------------------------------------------------

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """``infer`` on NxCxHxW float32, edge-padding tiny inputs and clamping the output to [0, 1]."""
        _, _, h, w = batch.shape
        if h < MIN_SIDE or w < MIN_SIDE:
            batch = np.pad(batch, ((0, 0), (0, 0), (0, max(0, MIN_SIDE - h)), (0, max(0, MIN_SIDE - w))), "edge")
        with self._slots:
            output = self_ensemble(self._infer, batch) if self.self_ensemble else self._infer(batch)
        return _clamped(output[:, :, :h, :w])

    # -- one image -------------------------------------------------------------------------------------

    def batch_limit(self, height: int, width: int) -> int:
        """How many inputs of this size go in one network call: ``batch_size``, fewer if their pixels
        would pass ``batch_pixels`` (on a CPU a big batch only costs memory: it is not faster)."""
        if self.batch_pixels <= 0:
            return self.batch_size
        return max(1, min(self.batch_size, self.batch_pixels // max(1, height * width)))

    def plan(self, height: int, width: int, tile: int | None = None) -> TilePlan:
        """The tile plan of a ``height`` x ``width`` image under the current limits (or side ``tile``)."""
        side = self.tile if tile is None else tile
        if side <= 0 and self.tile_pixels <= 0:
            return TilePlan(whole_axis(height), whole_axis(width))
        try:
            plan = self._plan_aligned(height, width, side, self.multiple)
        except PlanRefused:
            if self.multiple == 1:
                raise
            plan = self._plan_aligned(height, width, side, 1)  # a tile too small to align: unaligned tiles
        return replace(plan, batch=max(1, min(plan.batch, self.batch_limit(*plan.tile_shape))))

    def _plan_aligned(self, height: int, width: int, side: int, multiple: int) -> TilePlan:
        return plan_tiles(
            height,
            width,
            side=max(0, side),
            pixels=self.tile_pixels,
            overlap=self.overlap,
            multiple=multiple,
            batch=self.batch_size,
        )

    def fits_one_tile(self, height: int, width: int) -> bool:
        return self.plan(height, width).whole

    def restore(
        self, pixels: np.ndarray, should_stop: Callable[[], bool] = lambda: False, *, in_place: bool = False
    ) -> Restored:
        """Restore one HxWxC image, halving the tile after an out-of-memory error until ``MIN_TILE``.

        ``in_place`` writes the output over ``pixels`` when they are writable (rows are written only once no
        later tile reads them), which halves the memory a big image needs; an out-of-memory error then raises
        RetryWithFreshInput.
        """
        notes: list[str] = []
        in_place = in_place and pixels.flags.writeable  # Pillow hands out read-only arrays
        while True:
            tile = self.tile
            try:
                return self._restore_with(pixels, tile, should_stop, notes, in_place)
            except (RestoreStopped, RetryWithFreshInput):
                raise
            except Exception as error:
                smaller = self._smaller_tile(tile, pixels.shape[:2], error)
                if smaller is None:
                    raise
                shown = f"{tile} px tiles" if tile > 0 else "the whole image"
                notes.append(f"out of memory with {shown}; retried with {smaller} px tiles")
                with self._lock:
                    if self.tile == tile or self.tile <= 0:
                        self.tile = smaller
                        self.overlap = min(self.overlap, smaller // 4)
                if in_place:
                    raise RetryWithFreshInput(notes) from error

    def _smaller_tile(self, tile: int, shape: tuple[int, ...], error: BaseException) -> int | None:
        if not self._is_oom(error):
            return None
        current = tile if tile > 0 else max(self.plan(shape[0], shape[1], tile).tile_shape)
        smaller = current // 2
        return smaller if smaller >= MIN_TILE else None

    def _restore_with(
        self, pixels: np.ndarray, tile: int, should_stop: Callable[[], bool], notes: list[str], in_place: bool
    ) -> Restored:
        height, width, channels = pixels.shape
        if channels == 3 and self.model_channels == 1:
            planes = [self._restore_with(pixels[:, :, [c]], tile, should_stop, notes, False) for c in range(3)]
            first = planes[0]
            merged = np.concatenate([p.pixels for p in planes], axis=2)
            return Restored(merged, first.tile, sum(p.tiles for p in planes), notes, first.plan)
        out = pixels if in_place else np.empty_like(pixels)
        plan = self.plan(height, width, tile)

        def read(top: int, left: int, h: int, w: int) -> np.ndarray:
            return _to_float(pixels[top : top + h, left : left + w], self.model_channels)

        def write(top: int, rows: np.ndarray) -> None:
            _store(rows, out[top : top + rows.shape[1]])

        def check() -> None:
            if should_stop():
                raise RestoreStopped()

        tiles = run_tiled(
            plan=plan,
            channels=self.model_channels,
            read=read,
            infer=self.infer,
            write=write,
            check=check,
            executor=self._tile_runner,
            in_flight=self.streams,
        )
        return Restored(out, _tile_used(plan, tile), tiles, notes, plan)

    # -- several small images at once ------------------------------------------------------------------

    def restore_batch(self, images: list[np.ndarray]) -> list[Restored]:
        """Images of one shape and dtype that each fit in one tile, in as few network calls as possible.

        On an out-of-memory error the images are restored one by one (each with the usual rule)."""
        if len(images) == 1:
            return [self.restore(images[0])]
        first = images[0]
        if any(image.shape != first.shape or image.dtype != first.dtype for image in images):
            raise ValueError("restore_batch needs images of one shape and dtype")
        channels = first.shape[2]
        if channels == 3 and self.model_channels == 1:
            return [self.restore(image) for image in images]
        results: list[Restored] = []
        size = self.batch_limit(first.shape[0], first.shape[1])
        for start in range(0, len(images), size):
            group = images[start : start + size]
            batch = np.stack([_to_float(image, self.model_channels) for image in group])
            try:
                output = self.infer(batch)
            except Exception as error:
                if not self._is_oom(error):
                    raise
                results.extend(self.restore(image) for image in group)
                continue
            results.extend(Restored(_from_float(o, channels, first.dtype), 0, 1) for o in output)
        return results
