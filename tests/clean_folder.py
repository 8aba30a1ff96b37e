"""A folder of real clean images of many kinds, and the hostile files people keep beside them.

Shared by the synthetic (``--from``) and the training (``--clean``) tests.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

#: name -> (width, height) of the upright picture each readable file holds
READABLE = {
    "photo.png": (96, 80),
    "photo.jpg": (80, 96),
    "scan16.tif": (88, 72),
    "print_cmyk.jpg": (72, 72),
    "phone_rotated.jpg": (64, 100),  # stored 100x64 with EXIF orientation 6
    "sub/cutout_rgba.png": (70, 70),
    "sub/grey.png": (90, 64),
}
CORRUPT = "broken.jpg"
NOT_AN_IMAGE = "notes.txt"


def scene(width: int, height: int, seed: int) -> np.ndarray:
    """A photo-like picture: smooth colour gradients, a few shapes with edges, some texture."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack(
        [
            0.5 + 0.4 * np.sin(xs / (width / 3) + rng.uniform(0, 6)),
            0.5 + 0.4 * np.cos(ys / (height / 2.5) + rng.uniform(0, 6)),
            0.5 + 0.3 * np.sin((xs + ys) / (width / 4)),
        ],
        axis=-1,
    )
    for _ in range(4):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(6, width / 3)
        image[(xs - cx) ** 2 + (ys - cy) ** 2 < r * r] = rng.uniform(0.05, 0.95, size=3)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def make_clean_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "sub").mkdir(exist_ok=True)
    Image.fromarray(scene(96, 80, 1)).save(root / "photo.png")
    Image.fromarray(scene(80, 96, 2)).save(root / "photo.jpg", quality=95)
    sixteen = scene(88, 72, 3).astype(np.uint16) * 257  # 16-bit colour, which Pillow cannot write
    assert cv2.imwrite(str(root / "scan16.tif"), sixteen[:, :, ::-1])
    Image.fromarray(scene(72, 72, 4)).convert("CMYK").save(root / "print_cmyk.jpg", quality=95)
    stored = Image.fromarray(scene(100, 64, 5))  # upright it is 64 wide, 100 high
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(root / "phone_rotated.jpg", quality=95, exif=exif.tobytes())
    rgba = np.dstack([scene(70, 70, 6), np.full((70, 70), 255, np.uint8)])
    rgba[:20, :20, 3] = 0  # a transparent corner
    Image.fromarray(rgba, "RGBA").save(root / "sub" / "cutout_rgba.png")
    Image.fromarray(scene(90, 64, 7)[:, :, 1]).save(root / "sub" / "grey.png")
    good = io.BytesIO()
    Image.fromarray(scene(64, 64, 8)).save(good, format="JPEG")
    (root / CORRUPT).write_bytes(good.getvalue()[:200])  # a header and then nothing
    (root / NOT_AN_IMAGE).write_text("not a picture")
    return root
