"""Pixels straight between files and numpy, for the images where Pillow costs too much or cannot: PNGs of grey,
RGB or RGBA at 8 or 16 bits (no palette, no transparency key), read by OpenCV and written by ``png_writer``, and
16-bit colour TIFFs, read and written by OpenCV.

Pillow holds RGB at 4 bytes a pixel and needs a second copy to hand pixels to numpy: for a 12,000 x 9,000
scan that is 430 MB more at decode and again at encode. PNG is lossless, so both libraries decode the same
pixels. The PNG's metadata chunks (ICC profile, EXIF, resolution, text, gamma...) are copied verbatim.
"""

from __future__ import annotations

import errno
import io
import shutil
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from backend.batch.png_writer import write_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: ancillary chunks that describe the image (colour, resolution, text, EXIF), carried over verbatim
PNG_META_CHUNKS = frozenset({b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"pHYs", b"eXIf", b"tEXt", b"zTXt", b"iTXt"})
DIRECT_PNG_MODES = frozenset({"L", "RGB", "RGBA", "I;16", "RGB;16", "RGBA;16"})
COLOUR_16BIT = ("RGB;16", "RGBA;16")
SWAP_ROWS = 256
COPY_BLOCK = 1 << 20
DISK_FULL_MARGIN = 16 << 20  # a failed write with less free space than this is taken for a full disk


def is_direct(image_format: str, mode: str, info: Mapping[Any, Any]) -> bool:
    if mode in COLOUR_16BIT:
        return True  # Pillow would read them as 8-bit
    return image_format == "PNG" and mode in DIRECT_PNG_MODES and "transparency" not in info


def png_meta_chunks(stream: BinaryIO) -> list[bytes]:
    """The metadata chunks (length, type, data, CRC) of a PNG, in file order, skipping the pixel data."""
    if stream.read(8) != PNG_SIGNATURE:
        return []
    chunks = []
    while True:
        head = stream.read(8)
        if len(head) < 8:
            break
        length, kind = struct.unpack(">I4s", head)
        if kind in PNG_META_CHUNKS:
            chunks.append(head + stream.read(length + 4))
        else:
            stream.seek(length + 4, io.SEEK_CUR)
        if kind == b"IEND":
            break
    return chunks


def read_pixels(source: Path | bytes, *, bits: int) -> tuple[np.ndarray, np.ndarray | None] | None:
    """HxWxC RGB (or grey) pixels as stored and the alpha plane, or None when OpenCV cannot read the file
    (the caller then lets Pillow say why: truncated, not an image...)."""
    import cv2

    flags = cv2.IMREAD_UNCHANGED  # keeps alpha and bit depth, ignores EXIF orientation
    if isinstance(source, bytes):
        array = cv2.imdecode(np.frombuffer(source, dtype=np.uint8), flags)
    else:
        array = cv2.imread(str(source), flags)
    if array is None or array.dtype != (np.uint16 if bits == 16 else np.uint8):
        return None
    if array.ndim == 2:
        return array[:, :, None], None
    if array.shape[2] == 4:
        alpha = array[:, :, 3].copy()
        return cv2.cvtColor(array, cv2.COLOR_BGRA2RGB), alpha
    return swap_red_blue(array), None


def swap_red_blue(array: np.ndarray) -> np.ndarray:
    """RGB <-> BGR in place, a band of rows at a time (OpenCV's in-place conversion copies the image)."""
    for top in range(0, array.shape[0], SWAP_ROWS):
        band = array[top : top + SWAP_ROWS]
        band[...] = band[:, :, ::-1]
    return array


def write_pixels(pixels: np.ndarray, alpha: np.ndarray | None, target: str, chunks: list[bytes], out: BinaryIO) -> None:
    """Encode stored-orientation pixels as PNG (with ``chunks`` after the header) or TIFF into ``out``.

    A PNG is written by ``png_writer`` a band at a time. For a TIFF ``pixels`` is converted to BGR in place (the
    caller gives it away); when ``out`` is a file, OpenCV writes beside it and the result is copied over in
    blocks, so the encoded image (hundreds of MB for a big scan) is never held in memory, as ``imencode`` would
    (twice, while its buffer grows)."""
    if target == "PNG":
        write_png(pixels if alpha is None else np.dstack([pixels, alpha]), out, chunks)
        return
    import cv2

    if pixels.shape[2] == 3:
        array = swap_red_blue(pixels if pixels.flags.writeable else pixels.copy())
        if alpha is not None:
            array = np.dstack([array, alpha])
    else:
        array = pixels[:, :, 0]
    name = getattr(out, "name", None)
    if isinstance(name, str) and Path(name).is_file():
        scratch = Path(f"{name}.tiff")  # beside the temporary output: hidden, cleaned up like it
        try:
            if not cv2.imwrite(str(scratch), array):
                _raise_write_error(scratch, target)
            del array
            with scratch.open("rb") as written:
                shutil.copyfileobj(written, out, COPY_BLOCK)
        finally:
            scratch.unlink(missing_ok=True)
        return
    ok, encoded = cv2.imencode(".tiff", array)
    if not ok:
        raise OSError(f"OpenCV could not encode a {target}")
    out.write(encoded.reshape(-1).data)


def _raise_write_error(path: Path, target: str) -> None:
    """OpenCV only says it failed; a full disk is told apart so that the run stops (``DiskFull``)."""
    if shutil.disk_usage(path.parent).free < DISK_FULL_MARGIN:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    raise OSError(f"OpenCV could not write a {target} to {path}")
