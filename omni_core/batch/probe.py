"""An image's header, read lazily with Pillow (the pixels stay on disk): its stored size and the reasons a file
cannot be read, in the words the summary lists. Shared by the backend's decoder and the client's resume check."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from omni_core.formats.upright import stored_size

Source = Path | bytes

#: Pillow refuses images above ~179 megapixels as "decompression bombs"; scans can be bigger
MAX_PIXELS = 1_000_000_000


class UnreadableImage(Exception):
    """An input that cannot be restored; ``reason`` is what the summary lists."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _allow_large_images() -> None:
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def open_header(source: Source) -> Image.Image:
    """Pillow's lazy open (the header only), with every way it fails turned into the reason people read."""
    _allow_large_images()
    try:
        if isinstance(source, bytes | bytearray | memoryview):
            size = len(source)
            stream: Any = io.BytesIO(source)
        else:
            size = Path(source).stat().st_size
            stream = source
        if size == 0:
            raise UnreadableImage("empty file (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(stream)
    except FileNotFoundError:
        raise UnreadableImage("vanished: the file was removed during the run") from None
    except PermissionError:
        raise UnreadableImage("unreadable: permission denied") from None
    except UnidentifiedImageError:
        raise UnreadableImage("not an image: no image format recognises its content") from None
    except Image.DecompressionBombError as error:
        raise UnreadableImage(f"too large: {error}") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise UnreadableImage(f"unreadable: {type(error).__name__}: {error}") from None


def probe(source: Source) -> tuple[int, int]:
    """(width, height) as stored, from the header only; raises UnreadableImage."""
    with open_header(source) as image:
        return stored_size(image)


def pixel_count(source: Source) -> int:
    """Pixels of every page a restoration writes (all of a multi-page TIFF's), from the headers only; raises
    UnreadableImage."""
    with open_header(source) as image:
        width, height = image.size
        pages = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
        if pages == 1:
            return width * height
        total = 0
        try:
            for index in range(pages):
                image.seek(index)
                total += image.size[0] * image.size[1]
        except (OSError, ValueError, EOFError) as error:
            raise UnreadableImage(f"unreadable: page {index + 1} of {pages}: {error}") from None
        return total
