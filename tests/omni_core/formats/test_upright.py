"""Turned TIFFs read upright by every reader: Pillow 13 turns a TIFF itself as it loads it, and garbled a
greyscale uncompressed one turned by 5-8 (its memory-mapped reader), which is a typical scanned page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.batch.orientation import to_upright
from backend.restoration.pairs import load_rgb
from omni_core.detection.images import decode_rgb
from omni_core.formats.images import probe_bytes, upright_size
from omni_core.formats.upright import load_upright, stored_size

ORIENTATIONS = (1, 3, 5, 6, 7, 8)


def turned_tiff(folder: Path, stored: np.ndarray, compression: str, orientation: int) -> Path:
    path = folder / f"{compression}-{orientation}-{stored.ndim}.tif"
    Image.fromarray(stored).save(path, compression=compression, tiffinfo={0x0112: orientation})
    return path


def noise(height: int, width: int, channels: int) -> np.ndarray:
    shape = (height, width) if channels == 1 else (height, width, channels)
    return np.random.default_rng(height * width + channels).integers(0, 256, shape, dtype=np.uint8)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("compression", ["raw", "tiff_lzw"])
@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_a_turned_tiff_loads_upright_with_its_stored_size_known(
    tmp_path: Path, channels: int, compression: str, orientation: int
) -> None:
    stored = noise(40, 56, channels)  # 56 wide, 40 high as stored
    path = turned_tiff(tmp_path, stored, compression, orientation)
    with Image.open(path) as opened:
        assert stored_size(opened) == (56, 40)
        np.testing.assert_array_equal(np.asarray(load_upright(opened)), to_upright(stored, orientation))
    upright = (40, 56) if orientation >= 5 else (56, 40)
    probe = probe_bytes(path.read_bytes())
    assert (probe.width, probe.height, probe.orientation) == (*upright, orientation)
    assert upright_size(path) == upright


@pytest.mark.parametrize("read", [load_rgb, decode_rgb], ids=["training pairs", "detection"])
@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_readers_see_a_turned_greyscale_scan_upright(
    tmp_path: Path, read: Callable[[Path], np.ndarray], orientation: int
) -> None:
    stored = noise(40, 56, 1)
    pixels = read(turned_tiff(tmp_path, stored, "raw", orientation))
    np.testing.assert_array_equal(pixels, np.repeat(to_upright(stored, orientation)[..., None], 3, axis=2))


def test_other_formats_keep_their_stored_size(tmp_path: Path) -> None:
    image = Image.fromarray(noise(40, 56, 3))
    exif = image.getexif()
    exif[0x0112] = 6
    image.save(tmp_path / "turned.jpg", exif=exif)
    with Image.open(tmp_path / "turned.jpg") as opened:
        assert stored_size(opened) == (56, 40) and load_upright(opened).size == (40, 56)
