"""The user's own clean images: found in a folder and read as upright 8-bit RGB, whatever they are.

Any format the batch reader takes (PNG, JPEG, TIFF, WebP, BMP) and any mode: grey, palette, CMYK, YCbCr,
L*a*b*, 16- and 32-bit (``backend.batch.codec`` and ``omni_core.batch.colour``), EXIF orientation applied.
Transparent pixels are laid on white (a page's paper, a cut-out photo's usual background). A file that
cannot be read is skipped with the reason, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backend.batch.codec import decode
from backend.batch.orientation import to_upright
from omni_core.batch.probe import UnreadableImage
from omni_core.batch.walk import scan_folder


@dataclass(frozen=True)
class CleanImage:
    relative: str  # POSIX path under the folder
    path: Path


@dataclass
class CleanFolder:
    images: list[CleanImage] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # {"file", "reason"}


def find_clean_images(
    root: Path, *, exclude: Path | None = None, allowed: Callable[[Path], bool] | None = None
) -> CleanFolder:
    """The images under ``root`` (recursively, in path order) and the files that are not, with why."""
    scan = scan_folder(root, recursive=True, exclude=exclude, allowed=allowed)
    found = CleanFolder(images=[CleanImage(item.relative, item.path) for item in scan.images])
    found.skipped = [{"file": item.file, "reason": item.reason} for item in scan.skipped]
    return found


def read_rgb8(path: Path) -> np.ndarray:
    """An image as upright (H, W, 3) uint8 RGB; raises UnreadableImage with the reason."""
    decoded = decode(path)
    if decoded.pages:
        raise UnreadableImage(f"unsupported: a TIFF of {decoded.page_count} pages (a clean image is one page a file)")
    pixels = decoded.pixels
    if pixels.dtype == np.uint16:
        pixels = ((pixels.astype(np.uint32) + 128) // 257).astype(np.uint8)
    if pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    if decoded.alpha is not None:
        alpha = decoded.alpha
        if alpha.dtype == np.uint16:
            alpha = ((alpha.astype(np.uint32) + 128) // 257).astype(np.uint8)
        # the codec keeps alpha as stored; turn it like the pixels
        coverage = to_upright(alpha[:, :, None], decoded.orientation).astype(np.float32) / 255.0
        pixels = np.rint(pixels * coverage + 255.0 * (1.0 - coverage)).astype(np.uint8)
    if pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise UnreadableImage("empty image (0 pixels)")
    return np.ascontiguousarray(pixels)


__all__ = ["CleanFolder", "CleanImage", "UnreadableImage", "find_clean_images", "read_rgb8"]
