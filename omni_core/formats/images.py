"""Recognising usable images with Pillow: format, upright size, EXIF orientation, and cheap corruption checks.

The checks are chosen to be cheap enough for 10,000 images in seconds: a JPEG must end with its EOI
marker (else it is decoded fully, and refused if truncated), a PNG's chunks must pass their CRCs, and the
rarer formats are decoded fully. Only formats Ultralytics trains on are accepted, so an export never
holds an image the trainer refuses.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from omni_core.formats.upright import ORIENTATION_TAG, TRANSPOSING, stored_size

#: Pillow format -> extension used for stored and exported files
FORMAT_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "BMP": "bmp", "TIFF": "tif", "WEBP": "webp"}
#: extensions that count as "an image file" when scanning folders
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".tif", ".tiff", ".webp", ".mpo"})
#: extensions that fit each format (an exported name keeps its own suffix when it fits)
SUFFIXES_OF = {
    "jpg": {".jpg", ".jpeg", ".jpe", ".jfif", ".mpo"},
    "png": {".png"},
    "bmp": {".bmp"},
    "tif": {".tif", ".tiff"},
    "webp": {".webp"},
}


class UnusableImage(Exception):
    """The bytes are not an image this product can use; the message says why, for the import report."""


@dataclass(frozen=True)
class ImageProbe:
    format: str  # lower-case Pillow format: "jpeg", "png", ...
    mode: str  # Pillow mode: "RGB", "L", "I;16", "CMYK", ...
    width: int  # upright (EXIF orientation applied)
    height: int
    orientation: int  # EXIF orientation, 1 = as stored

    @property
    def ext(self) -> str:
        return FORMAT_EXTENSIONS[self.format.upper()]


def probe_bytes(data: bytes) -> ImageProbe:
    """Check that ``data`` is a complete image of a supported format; raise UnusableImage if not."""
    if not data:
        raise UnusableImage("empty file (0 bytes)")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = (image.format or "").upper()
            if fmt not in FORMAT_EXTENSIONS:
                supported = ", ".join(sorted({f.lower() for f in FORMAT_EXTENSIONS} - {"mpo"}))
                raise UnusableImage(f"unsupported image format {fmt or '?'} (supported: {supported})")
            mode, (width, height) = image.mode, stored_size(image)
            orientation = _orientation(image)
            _check_complete(image, fmt, data)
    except UnusableImage:
        raise
    except UnidentifiedImageError:
        raise UnusableImage("not an image (unrecognised content)") from None
    except Image.DecompressionBombError as error:
        raise UnusableImage(f"too large to decode safely ({error})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise UnusableImage(f"corrupt or truncated image ({error})") from None
    if width < 1 or height < 1:
        raise UnusableImage(f"image has no pixels ({width}x{height})")
    if orientation in TRANSPOSING:
        width, height = height, width
    return ImageProbe(format=fmt.lower(), mode=mode, width=width, height=height, orientation=orientation)


def _orientation(image: Image.Image) -> int:
    try:
        value = int(image.getexif().get(ORIENTATION_TAG, 1))
    except (OSError, ValueError, TypeError, SyntaxError):
        return 1
    return value if 1 <= value <= 8 else 1


def _check_complete(image: Image.Image, fmt: str, data: bytes) -> None:
    if fmt in ("JPEG", "MPO") and data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return  # complete: the cheap check Ultralytics uses too
    if fmt == "PNG":
        with Image.open(io.BytesIO(data)) as fresh:
            fresh.verify()  # walks every chunk and checks its CRC without decompressing
        return
    image.load()  # JPEG without its end marker, and the rarer formats: decode fully


def read_image_file(path: Path) -> tuple[bytes, str, ImageProbe]:
    """The file's bytes, their SHA-256 and its probe; raises UnusableImage (or OSError if unreadable)."""
    data = path.read_bytes()
    probe = probe_bytes(data)
    return data, hashlib.sha256(data).hexdigest(), probe


def upright_size(path: Path) -> tuple[int, int]:
    """(width, height) of the upright image from its header alone; raises UnusableImage."""
    try:
        with Image.open(path) as image:
            width, height = stored_size(image)
            if _orientation(image) in TRANSPOSING:
                width, height = height, width
            return width, height
    except (OSError, SyntaxError, ValueError) as error:
        raise UnusableImage(f"not a readable image ({error})") from None


def is_image_name(path: Path | str) -> bool:
    return os.path.splitext(str(path))[1].lower() in IMAGE_SUFFIXES


def walk_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root``, recursively, in a stable order; hidden files and folders skipped."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def export_name(filename: str, ext: str) -> str:
    """``filename`` if its suffix fits the format, else the filename with the format's extension added."""
    suffix = os.path.splitext(filename)[1].lower()
    return filename if suffix in SUFFIXES_OF.get(ext, set()) else f"{filename}.{ext}"


#: files that describe a dataset rather than being part of it: never listed as skipped
METADATA_SUFFIXES = frozenset({".txt", ".yaml", ".yml", ".names", ".json", ".xml", ".cache", ".csv"})


def is_metadata_name(path: Path | str) -> bool:
    return os.path.splitext(str(path))[1].lower() in METADATA_SUFFIXES
