"""What ``GetImage`` sends: the original bytes when a viewer shows them upright as they are, else an upright
JPEG/PNG rendition (EXIF orientation applied, any pixel mode made displayable), cached by content.

A rendition is cached under ``<state>/thumbs/<sha[:2]>/<sha>-<side>.<ext>`` (side 0 = full size). Images
are content-addressed, so a cached rendition is never stale. Sizes are computed here, not by Pillow's
``thumbnail``, so they are known before (and without) decoding anything.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from backend.datasets.blobs import BlobInfo, ImageBlobs
from backend.datasets.records import ImageBytes
from omni_core.formats.upright import TRANSPOSING, load_upright

FULL_SIZE_QUALITY = 95  # JPEG quality of full-size renditions (an annotator looks closely)
THUMBNAIL_QUALITY = 85
HIGH_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


def passthrough(info: BlobInfo) -> bool:
    """True if common decoders (Qt, browsers) show the stored bytes upright and in the right colours."""
    if info.orientation != 1:
        return False
    if info.format in ("jpeg", "mpo"):
        return info.mode in ("RGB", "L")  # not CMYK/YCCK: several decoders get those wrong
    if info.format == "png":
        return True
    return info.format == "bmp" and info.mode in ("RGB", "L", "P", "RGBA")


def target_size(width: int, height: int, side: int) -> tuple[int, int]:
    """The size with the longer side ``side`` (aspect kept), or the size itself for side 0."""
    if side <= 0 or side >= max(width, height):
        return width, height
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def displayable(image: Image.Image) -> Image.Image:
    """RGB, L or RGBA, whatever came in: 16-bit and float images are stretched to 8 bits by their range."""
    if image.mode in HIGH_BIT_MODES:
        values = np.asarray(image, dtype=np.float64)
        low = min(0.0, float(values.min())) if values.size else 0.0
        high = float(values.max()) if values.size else 0.0
        if high > 255 or low < 0:
            values = (values - low) * (255.0 / max(high - low, 1e-9))
        return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), mode="L")
    if image.mode in ALPHA_MODES or (image.mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    if image.mode == "1":
        return image.convert("L")
    if image.mode in ("RGB", "L"):
        return image
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, P, RGBX, ...


class Renderer:
    def __init__(self, blobs: ImageBlobs, cache_dir: Path) -> None:
        self.blobs = blobs
        self.cache_dir = cache_dir

    def image(self, info: BlobInfo, max_side: int) -> ImageBytes:
        side = 0 if max_side <= 0 or max_side >= max(info.width, info.height) else max_side
        width, height = target_size(info.width, info.height, side)
        if side == 0 and passthrough(info):
            data, fmt = self.blobs.read(info.key), info.format
        else:
            data, fmt = self._cached(info, side)
        fmt = "jpeg" if fmt == "mpo" else fmt
        return ImageBytes(info.sha256, data, fmt, width, height, info.width, info.height)

    def forget(self, sha256: str) -> None:
        folder = self.cache_dir / sha256[:2]
        if folder.is_dir():
            for path in folder.glob(f"{sha256}-*"):
                path.unlink(missing_ok=True)

    def _cached(self, info: BlobInfo, side: int) -> tuple[bytes, str]:
        folder = self.cache_dir / info.sha256[:2]
        for ext, fmt in (("jpg", "jpeg"), ("png", "png")):
            path = folder / f"{info.sha256}-{side}.{ext}"
            try:
                return path.read_bytes(), fmt
            except FileNotFoundError:
                continue
        data, fmt = self._render(info, side)
        folder.mkdir(parents=True, exist_ok=True)
        ext = "jpg" if fmt == "jpeg" else "png"
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".partial")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, folder / f"{info.sha256}-{side}.{ext}")
        return data, fmt

    def _render(self, info: BlobInfo, side: int) -> tuple[bytes, str]:
        width, height = target_size(info.width, info.height, side)
        with Image.open(io.BytesIO(self.blobs.read(info.key))) as opened:
            if side and opened.format == "JPEG":
                stored = (height, width) if info.orientation in TRANSPOSING else (width, height)
                opened.draft(opened.mode if opened.mode in ("RGB", "L") else None, stored)  # decode at 1/2..1/8
            image = load_upright(opened)
            image = displayable(image)
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
            out = io.BytesIO()
            if image.mode == "RGBA":
                image.save(out, "PNG", optimize=False, compress_level=3)
                return out.getvalue(), "png"
            image.save(out, "JPEG", quality=THUMBNAIL_QUALITY if side else FULL_SIZE_QUALITY)
            return out.getvalue(), "jpeg"
