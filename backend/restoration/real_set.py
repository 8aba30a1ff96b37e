"""The real-image set: clean photographs and scans that nobody here generated, read from files that ship inside
installed packages (scikit-image's ``skimage/data``, scikit-learn's ``datasets/images``, matplotlib's
``mpl-data/sample_data``, Ultralytics' ``assets``). Every file is opened by its path in the installed package,
never through the packages' fetchers (``skimage.data`` can download through pooch), so the set loads with the
network cut.

Each image has a domain (``photo`` or ``document``) and a split: ``held_out`` images are scored through a fixed
128 px crop and must never be trained on; ``train`` photos may be (the bench trains a photo model on them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

#: the side of every held-out crop, in pixels
CROP = 128

Domain = Literal["photo", "document"]
Split = Literal["train", "held_out"]


@dataclass(frozen=True)
class RealImage:
    name: str
    package: str  # the installed package holding the file
    folder: str  # the folder inside that package
    file: str
    domain: Domain
    split: Split
    box: tuple[int, int] = (0, 0)  # left, top of the held-out crop

    def path(self) -> Path:
        spec = find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(f"real-image set: package {self.package} is not installed (needed for {self.name})")
        return Path(next(iter(spec.submodule_search_locations))) / self.folder / self.file


REAL_IMAGES: tuple[RealImage, ...] = (
    # held out: a portrait, a cat, a coffee cup, a street scene; a scanned page and photographed lettering
    RealImage("astronaut", "skimage", "data", "astronaut.png", "photo", "held_out", (176, 64)),
    RealImage("chelsea", "skimage", "data", "chelsea.png", "photo", "held_out", (150, 60)),
    RealImage("coffee", "skimage", "data", "coffee.png", "photo", "held_out", (236, 136)),
    RealImage("china", "sklearn", "datasets/images", "china.jpg", "photo", "held_out", (256, 150)),
    RealImage("page", "skimage", "data", "page.png", "document", "held_out", (128, 32)),
    RealImage("text", "skimage", "data", "text.png", "document", "held_out", (160, 22)),
    # photos a model may train on (whole images): colour photographs only. Grey images (skimage's camera, brick,
    # grass, gravel, coins, moon, cell) were tried: with a third or more of the tiles grey, a photo model took
    # colour out of the held-out colour photos.
    RealImage("rocket", "skimage", "data", "rocket.jpg", "photo", "train"),
    RealImage("flower", "sklearn", "datasets/images", "flower.jpg", "photo", "train"),
    RealImage("grace_hopper", "matplotlib", "mpl-data/sample_data", "grace_hopper.jpg", "photo", "train"),
    RealImage("motorcycle", "skimage", "data", "motorcycle_left.png", "photo", "train"),
    RealImage("motorcycle_right", "skimage", "data", "motorcycle_right.png", "photo", "train"),
    RealImage("ihc", "skimage", "data", "ihc.png", "photo", "train"),
    RealImage("bus", "ultralytics", "assets", "bus.jpg", "photo", "train"),
    RealImage("zidane", "ultralytics", "assets", "zidane.jpg", "photo", "train"),
)


@cache
def load(image: RealImage) -> np.ndarray:
    """The whole image as RGB uint8 (grey scans repeated over three channels)."""
    with Image.open(image.path()) as opened:
        return np.asarray(opened.convert("RGB")).copy()


def held_out_crop(image: RealImage) -> np.ndarray:
    """The fixed ``CROP`` x ``CROP`` crop a held-out image is scored on."""
    if image.split != "held_out":
        raise ValueError(f"{image.name} is a training image; only held-out images are scored")
    left, top = image.box
    crop = load(image)[top : top + CROP, left : left + CROP]
    if crop.shape[:2] != (CROP, CROP):
        raise ValueError(f"{image.name}: the crop at {image.box} leaves the image")
    return crop


def held_out(domain: Domain | None = None) -> list[tuple[RealImage, np.ndarray]]:
    """The held-out images (of one domain, or all) with their crops, in a fixed order."""
    return [
        (image, held_out_crop(image))
        for image in REAL_IMAGES
        if image.split == "held_out" and (domain is None or image.domain == domain)
    ]


def write_training_photos(folder: Path, tile: int = 0) -> list[Path]:
    """Write the training photos into ``folder`` as PNG (for ``omni train restoration --clean``): whole, or cut
    into non-overlapping ``tile`` x ``tile`` pieces, so that a training epoch (one random crop an image) sees
    more than one crop of each photo."""
    if tile < 0:
        raise ValueError(f"tile: must be 0 (whole photos) or a side in pixels, got {tile}")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for image in REAL_IMAGES:
        if image.split != "train" or image.domain != "photo":
            continue
        pixels = load(image)
        if not tile:
            pieces = {image.name: pixels}
        else:
            height, width = pixels.shape[:2]
            pieces = {
                f"{image.name}_{top}_{left}": pixels[top : top + tile, left : left + tile]
                for top in range(0, height - tile + 1, tile)
                for left in range(0, width - tile + 1, tile)
            }
        for name, piece in pieces.items():
            path = folder / f"{name}.png"
            Image.fromarray(piece).save(path)
            written.append(path)
    return written
