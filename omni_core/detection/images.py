"""Reading images for detection: upright (EXIF orientation applied, as OpenCV's ``imread`` does for
Ultralytics) 8-bit RGB pixels, or an ``UnreadableImage`` saying why not. Pillow only.

Every mode becomes RGB the way batch restoration reads it (``omni_core.batch.colour``): CMYK by the naive
model, L*a*b* through LittleCMS, 16-bit grey by its top byte (as ``imread`` does), 32-bit integer and
float grey from the image's own range (a float scan holding 0.0-1.0 is not black). Alpha is ignored."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import TypeVar

import numpy as np
from PIL import Image, UnidentifiedImageError

from omni_core.batch import colour
from omni_core.formats.upright import load_upright

T = TypeVar("T")
R = TypeVar("R")
PREFETCH = 4  # images decoded ahead of the detector

MAX_PIXELS = 500_000_000  # Pillow's bomb guard is ~179 MP; inspection photos can be bigger


class UnreadableImage(Exception):
    """The file is not an image we can read; ``reason`` is what summaries list."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _to_rgb(image: Image.Image) -> np.ndarray:
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", *colour.WIDE_GREY_MODES):
        values = np.asarray(image)
        if image.mode in colour.WIDE_GREY_MODES:
            values = colour.to_uint16(values)[0]  # integers within 0..65535 as they are
        grey = (values.astype(np.uint32) >> 8).astype(np.uint8)  # 16-bit grey: the top byte, as imread does
        return np.repeat(grey[..., None], 3, axis=2)
    if image.mode in colour.COLOUR_MODES:
        return colour.to_rgb(image)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.asarray(image, dtype=np.uint8)


def decode_rgb(source: Path | bytes) -> np.ndarray:
    """H x W x 3 uint8 RGB pixels of the upright image."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            handle = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
            with handle as opened:
                upright = load_upright(opened)
                pixels = _to_rgb(upright)
    except UnidentifiedImageError:
        raise UnreadableImage("not an image (unrecognised content)") from None
    except Image.DecompressionBombError as error:
        raise UnreadableImage(f"too large to decode safely ({error})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise UnreadableImage(f"corrupt or truncated image ({error})") from None
    if pixels.ndim != 3 or pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise UnreadableImage("image has no pixels")
    return np.ascontiguousarray(pixels)


def prefetched(
    pool: Executor, items: Iterable[T], decode: Callable[[T], R], ahead: int = PREFETCH
) -> Iterator[tuple[T, R]]:
    """``(item, decode(item))`` in order, decoded on ``pool`` up to ``ahead`` items before they are wanted."""
    pending: list[tuple[T, Future[R]]] = []
    for item in items:
        pending.append((item, pool.submit(decode, item)))
        if len(pending) > ahead:
            first, future = pending.pop(0)
            yield first, future.result()
    for item, future in pending:
        yield item, future.result()
