"""One small image file for each image mode Pillow hands a batch: print (CMYK JPEG/TIFF), YCbCr and
L*a*b* TIFFs, 16-bit grey PNG/TIFF, 32-bit integer and float TIFFs, 1-bit, grey with alpha, palette with
transparency. Real files written with Pillow, photo-like content, an ICC profile where the format has one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

from omni_core.batch import colour
from tests.backend.batch.conftest import smooth_rgb

SIZE = (40, 56)  # height, width: larger than the 32 px tiles of the tests' tiny model
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
#: the bytes of a CMYK file's profile are carried verbatim; what they say is not read
CMYK_PROFILE = b"not-a-real-profile:" + bytes(range(256))


def write_mode_samples(folder: Path) -> dict[str, str]:
    """Write the samples into ``folder``; file name -> the mode Pillow opens it in."""
    folder.mkdir(parents=True, exist_ok=True)
    rgb = Image.fromarray(smooth_rgb(*SIZE))
    grey = smooth_rgb(*SIZE, channels=1)
    alpha = np.tile(np.linspace(0, 255, SIZE[1]).astype(np.uint8), (SIZE[0], 1))
    cmyk = Image.fromarray(colour.rgb_to_cmyk(np.asarray(rgb)), "CMYK")  # grey in black (K), as print files hold it
    cmyk.save(folder / "print.jpg", quality=92, icc_profile=CMYK_PROFILE, dpi=(300, 300))
    cmyk.save(folder / "print-scan.tif", compression="tiff_lzw", icc_profile=CMYK_PROFILE)
    rgb.convert("YCbCr").save(folder / "ycbcr.tif", icc_profile=SRGB)
    colour.from_rgb(np.asarray(rgb), "LAB").save(folder / "lab.tif")  # through LittleCMS
    Image.fromarray(grey.astype(np.uint16) * 257 + 1).save(folder / "grey16.png")
    Image.fromarray(grey.astype(np.uint16) * 200).save(folder / "grey16-scan.tif")
    Image.fromarray(grey.astype(np.int32) * 1000 - 50_000, "I").save(folder / "int32.tif")
    Image.fromarray(grey.astype(np.float32) / 255.0, "F").save(folder / "float32.tif")
    Image.fromarray(grey).convert("1").save(folder / "bilevel.tif")
    Image.fromarray(np.dstack([grey, alpha]), "LA").save(folder / "grey-alpha.png", icc_profile=SRGB)
    palette = rgb.quantize(16)
    palette.save(folder / "palette.png", transparency=0, icc_profile=SRGB)
    return {path.name: Image.open(path).mode for path in sorted(folder.iterdir())}
