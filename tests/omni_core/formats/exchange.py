"""Images with known pixel boxes for the exchange-format tests: written with our writers, read with our
readers and with the peers' libraries, and compared in pixels."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from backend.storage.local import LocalStore
from omni_core.formats import read_dataset, writer_for
from omni_core.formats.boxes import from_pixels
from omni_core.formats.model import Box, BoxFlag, ExportImage, ExportResult, ParsedDataset
from tests.omni_core.formats.samples import image_bytes

CLASSES = ["dent", "rust", "scratch"]
#: name -> (width, height, [(class, left, top, right, bottom, flags)]) in pixels, 0-based edges
PIXEL_BOXES: dict[str, tuple[int, int, list[tuple[int, int, int, int, int, int]]]] = {
    "a.png": (
        200,
        100,
        [
            (0, 10, 20, 50, 40, 0),
            (1, 5, 5, 6, 6, 0),  # one pixel
            (2, 0, 0, 200, 100, BoxFlag.DIFFICULT | BoxFlag.TRUNCATED),  # the whole image
        ],
    ),
    "b.jpg": (64, 48, [(1, 3, 4, 30, 40, BoxFlag.OCCLUDED), (0, 40, 1, 63, 47, 0)]),
    "c.png": (40, 30, []),  # labelled, no objects
}


PixelBoxes = dict[str, tuple[int, int, list[tuple[int, int, int, int, int, int]]]]


def export_images(boxes: PixelBoxes = PIXEL_BOXES) -> list[ExportImage]:
    images = []
    for seed, (name, (width, height, found)) in enumerate(sorted(boxes.items())):
        fmt = "JPEG" if name.endswith(".jpg") else "PNG"
        data = image_bytes((width, height), fmt=fmt, seed=seed)
        normalized = tuple(
            replace(from_pixels(c, x0, y0, x1 - x0, y1 - y0, width, height), flags=int(flags))
            for c, x0, y0, x1, y1, flags in found
        )
        images.append(ExportImage(name, width, height, normalized, functools.partial(bytes, data)))
    return images


def write(fmt: str, out: Path, images: Sequence[ExportImage] | None = None, splits: Sequence[str] = ()) -> ExportResult:
    images = export_images() if images is None else images
    splits = list(splits) or ["train", "val", "train"][: len(images)] + ["train"] * max(0, len(images) - 3)
    return writer_for(fmt)(LocalStore(out), CLASSES, images, splits, lambda done: None)


Pixel = tuple[str, float, float, float, float]


def pixel_edges(box: Box, width: int, height: int) -> tuple[float, float, float, float]:
    return (
        (box.x_center - box.width / 2) * width,
        (box.y_center - box.height / 2) * height,
        (box.x_center + box.width / 2) * width,
        (box.y_center + box.height / 2) * height,
    )


def expected_pixels() -> dict[str, list[Pixel]]:
    """file name -> sorted (class name, left, top, right, bottom)."""
    return {
        name: sorted((CLASSES[c], float(x0), float(y0), float(x1), float(y1)) for c, x0, y0, x1, y1, _ in found)
        for name, (_, _, found) in PIXEL_BOXES.items()
    }


def expected_flags() -> dict[str, list[tuple[str, float, float, int]]]:
    return {
        name: sorted((CLASSES[c], float(x0), float(y0), int(flags)) for c, x0, y0, _, _, flags in found)
        for name, (_, _, found) in PIXEL_BOXES.items()
    }


def read_pixels(root: Path, fmt: str) -> tuple[ParsedDataset, dict[str, list[Pixel]]]:
    """What our reader finds, by file name, as (class name, edges in pixels)."""
    parsed = read_dataset(root, fmt, fallback_classes=[])
    classes = parsed.classes or []
    found = {}
    for image in parsed.images:
        width, height = PIXEL_BOXES[Path(image.filename).name][:2]
        found[Path(image.filename).name] = sorted(
            (classes[b.class_id], *pixel_edges(b, width, height)) for b in image.boxes
        )
    return parsed, found


def largest_difference(a: dict[str, list[Pixel]], b: dict[str, list[Pixel]]) -> float:
    """The largest difference of any edge, in pixels, between two readings of the same boxes; the names,
    classes and box counts must agree."""
    assert a.keys() == b.keys()
    worst = 0.0
    for name in a:
        assert len(a[name]) == len(b[name]), name
        for x, y in zip(a[name], b[name], strict=True):
            assert x[0] == y[0], (name, x, y)
            worst = max(worst, *(abs(p - q) for p, q in zip(x[1:], y[1:], strict=True)))
    return worst
