"""Pillow images upright, read the same way for every format.

Pillow 13 handles a TIFF's orientation itself: before loading, a TIFF's ``size`` is already the upright size
(every other format reports the stored size and leaves the EXIF tag to say how to turn it), and loading turns
the pixels and drops the tag. Its memory-mapped reader (uncompressed single-strip files: a greyscale scan,
typically) fills a buffer of that upright size with the stored rows, which garbles orientations 5-8. Readers
use these two functions instead of ``image.size`` and a bare ``ImageOps.exif_transpose``.
"""

from __future__ import annotations

from PIL import Image, ImageOps

ORIENTATION_TAG = 0x0112
#: EXIF orientations that swap width and height
TRANSPOSING = frozenset({5, 6, 7, 8})


def stored_size(image: Image.Image) -> tuple[int, int]:
    """(width, height) of the pixels as the file stores them, before any EXIF turn."""
    tile_size = getattr(image, "_tile_size", None)  # Pillow's own record of a TIFF's stored size
    if image.format == "TIFF" and tile_size:
        return int(tile_size[0]), int(tile_size[1])
    return image.size


def load_upright(image: Image.Image) -> Image.Image:
    """``image`` loaded and turned upright by its EXIF orientation (a new image, or ``image`` itself)."""
    stored = stored_size(image)
    if image.size != stored:
        image._size = stored  # decode into the stored size; Pillow turns a TIFF as it loads it
    image.load()
    return ImageOps.exif_transpose(image)
