"""What every format reader produces and every writer consumes, independent of the file layout.

Boxes are YOLO-style: a class index and the normalized centre and size, relative to the *upright* image
(EXIF orientation applied), which is what Ultralytics trains on. Readers never abort on bad input: a file
that is not a usable image is *skipped*, a label line or entry that cannot be used is a *problem*; both
name the file (and the line, where there is one) and end up in the import report.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from omni_core.confinement import Confinement, PathChecker, unconfined


class ExportTarget(Protocol):
    """Where an export writes its files: the backend's artifact store (local folder or S3) is one."""

    def put_bytes(self, key: str, data: bytes, *, expected_sha256: str | None = None) -> object: ...


class BoxFlag(enum.IntFlag):
    """What an annotator said about an object beyond its box, as the tools annotators move between name it:
    Pascal VOC's ``<difficult>`` and ``<truncated>``, CVAT's ``occluded``. Stored as one integer (bits)."""

    DIFFICULT = 1
    TRUNCATED = 2
    OCCLUDED = 4


ALL_FLAGS = int(BoxFlag.DIFFICULT | BoxFlag.TRUNCATED | BoxFlag.OCCLUDED)

#: flag names as written in files (VOC tags, CVAT/LabelMe attribute names), in bit order
FLAG_NAMES: dict[str, BoxFlag] = {
    "difficult": BoxFlag.DIFFICULT,
    "truncated": BoxFlag.TRUNCATED,
    "occluded": BoxFlag.OCCLUDED,
}


@dataclass(frozen=True)
class Box:
    class_id: int
    x_center: float
    y_center: float
    width: float
    height: float
    #: set on model suggestions only
    confidence: float | None = None
    #: ``BoxFlag`` bits
    flags: int = 0

    def has(self, flag: BoxFlag) -> bool:
        return bool(self.flags & flag)


@dataclass(frozen=True)
class Problem:
    """Something in the input that was refused or changed. ``line`` is 1-based; 0 = the file as a whole."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass
class SourceImage:
    """One image a reader found, with the labels it has for it."""

    path: Path
    #: the relative name the image keeps in the dataset ('/'-separated)
    filename: str
    boxes: list[Box] = field(default_factory=list)
    #: the source has labels for this image (an empty label file means "no objects")
    labelled: bool = False
    #: some of its labels were refused: a person should look at it
    flagged: bool = False


@dataclass
class ParsedDataset:
    format: str
    root: Path
    #: class names in id order; None when the source names none (a YOLO folder without data.yaml)
    classes: list[str] | None
    images: list[SourceImage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    #: which files may be read: a confined backend's workspace; None on a client (any usable path)
    confinement: Confinement | None = None
    _checker: PathChecker | None = field(default=None, init=False, repr=False)

    def may_read(self, path: Path, *, report: bool = True) -> bool:
        """Whether the reader may open (or look at) ``path``, a file or folder found in the dataset or named
        inside one of its files. One it may not (outside a confined backend's workspace, a symlink loop, a
        name too long) is listed as skipped with the reason when ``report``, and never opened."""
        if self._checker is None:
            self._checker = PathChecker(self.confinement or unconfined(self.root))
        why = self._checker.refusal(path)
        if why and report:
            self.skipped.append(Problem(self.relative(path), 0, why))
        return not why

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class ExportImage:
    """One image to write: its name in the export, upright size, boxes and a way to get its bytes."""

    name: str
    width: int
    height: int
    boxes: tuple[Box, ...]
    data: Callable[[], bytes]


@dataclass
class ExportResult:
    """What a writer wrote: counts per split, and the files that describe the dataset."""

    images: dict[str, int] = field(default_factory=dict)
    boxes: int = 0
    #: keys (relative to the export folder) of the dataset description files, e.g. data.yaml
    descriptors: list[str] = field(default_factory=list)
    #: what the format could not carry as it was, for the export summary (e.g. YOLO has no place for flags)
    notes: list[str] = field(default_factory=list)


def flag_names(flags: int) -> list[str]:
    """The names of the set flags, in bit order."""
    return [name for name, flag in FLAG_NAMES.items() if flags & flag]


def flagged_boxes(images: Sequence[ExportImage]) -> int:
    """How many boxes carry any flag (for writers that cannot keep them to say so)."""
    return sum(1 for image in images for box in image.boxes if box.flags)
