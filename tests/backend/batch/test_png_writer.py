"""The batch's PNG writer against two independent readers (Pillow, OpenCV): every mode it takes, sizes across its
bands and their edges, 16-bit byte order, the metadata chunks carried after the header, and sound CRCs."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from backend.batch.png_writer import BAND_ROWS, write_png


def _png(pixels: np.ndarray, chunks: list[bytes] = []) -> bytes:  # noqa: B006 - never changed
    out = io.BytesIO()
    write_png(pixels, out, chunks)
    return out.getvalue()


def _read_with_opencv(data: bytes) -> np.ndarray:
    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if array.ndim == 2:
        return array[:, :, None]
    return np.ascontiguousarray(array[:, :, [2, 1, 0, 3][: array.shape[2]]])  # BGR(A) -> RGB(A)


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize(
    "shape", [(1, 1), (1, 7), (9, 1), (BAND_ROWS, 5), (BAND_ROWS + 1, 33), (2 * BAND_ROWS + 7, 19)]
)
def test_what_it_writes_reads_back_exactly(channels: int, dtype: type, shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape) * channels)
    top = np.iinfo(dtype).max
    pixels = rng.integers(0, top, (*shape, channels), dtype=dtype, endpoint=True)
    pixels[: shape[0] // 2] = top // 3  # a flat part: "up" filters it to zeros
    data = _png(pixels)
    assert np.array_equal(_read_with_opencv(data), pixels)
    with Image.open(io.BytesIO(data)) as image:
        image.verify()  # every chunk's CRC
    if dtype == np.uint8:  # Pillow's own modes for 8 bits: L, RGB, RGBA
        with Image.open(io.BytesIO(data)) as image:
            read = np.asarray(image)
        assert np.array_equal(read.reshape(pixels.shape), pixels)


def test_the_chunks_given_follow_the_header() -> None:
    text = b"Title\x00a scan"
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text + struct.pack(">I", zlib.crc32(b"tEXt" + text))
    data = _png(np.zeros((4, 4, 3), np.uint8), [chunk])
    assert data[8 + 25 : 8 + 25 + len(chunk)] == chunk  # signature, IHDR (13 bytes + 12), then ours
    with Image.open(io.BytesIO(data)) as image:
        assert isinstance(image, PngImagePlugin.PngImageFile) and image.text == {"Title": "a scan"}


@pytest.mark.parametrize(
    "pixels",
    [np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4, 3), np.float32), np.zeros((0, 4, 3), np.uint8)],
    ids=["grey+alpha", "float", "empty"],
)
def test_what_it_cannot_hold_is_refused(pixels: np.ndarray) -> None:
    with pytest.raises(ValueError, match="a PNG holds"):
        _png(pixels)
