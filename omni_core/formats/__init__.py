"""Dataset formats (YOLO, COCO, Pascal VOC, CVAT for images 1.1, LabelMe, Label Studio JSON, and plain
folders of images): readers that never abort on bad input and writers that produce what the usual trainers
and annotation tools load, one module per format. Pure Python and Pillow: the CLI parses
folders with it on the client before uploading them to a remote backend."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from omni_core.confinement import Confinement
from omni_core.errors import InvalidArgument
from omni_core.formats.model import ExportImage, ExportResult, ExportTarget, ParsedDataset, SourceImage
from omni_core.formats.scan import image_files, name_images

IMPORT_FORMATS = ("images", "yolo", "coco", "voc", "cvat", "labelme", "labelstudio")
EXPORT_FORMATS = ("yolo", "coco", "voc", "cvat", "labelme", "labelstudio")

Writer = Callable[
    [ExportTarget, Sequence[str], Sequence[ExportImage], Sequence[str], Callable[[int], None]], ExportResult
]


def check_format(value: str, allowed: Sequence[str], field: str = "format") -> str:
    fmt = value.strip().lower()
    if fmt not in allowed:
        raise InvalidArgument(field, f"{value!r} is not one of {', '.join(allowed)}")
    return fmt


def read_images_folder(
    root: Path, *, fallback_classes: Sequence[str], confinement: Confinement | None = None
) -> ParsedDataset:
    """A plain folder of images, recursively, unlabelled."""
    root = root.resolve()
    parsed = ParsedDataset("images", root, classes=list(fallback_classes), confinement=confinement)
    for path, filename in name_images([(root, image_files(root, parsed))]):
        parsed.images.append(SourceImage(path=path, filename=filename))
    return parsed


def _module(fmt: str) -> ModuleType:
    return importlib.import_module(f"omni_core.formats.{fmt}")


def read_dataset(
    root: Path, fmt: str, *, fallback_classes: Sequence[str], confinement: Confinement | None = None
) -> ParsedDataset:
    """Parse a folder in ``fmt``; classes fall back to ``fallback_classes`` when the folder names none.

    A backend passes its ``confinement``: the folder must be inside it, and files found in the folder or
    named inside its files that resolve outside are skipped with the reason, never read (each reader checks
    every path it looks at with ``ParsedDataset.may_read``)."""
    fmt = check_format(fmt, IMPORT_FORMATS)
    if confinement is not None:
        root = confinement.resolve(root, "path")
    if fmt == "images":
        return read_images_folder(root, fallback_classes=fallback_classes, confinement=confinement)
    reader: Callable[..., ParsedDataset] = getattr(_module(fmt), f"read_{fmt}")
    return reader(root, fallback_classes=fallback_classes, confinement=confinement)


def writer_for(fmt: str) -> Writer:
    fmt = check_format(fmt, EXPORT_FORMATS)
    writer: Writer = getattr(_module(fmt), f"write_{fmt}")
    return writer
