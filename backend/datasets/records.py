"""What the dataset store hands out: plain, frozen records (no SQLite rows, no protobuf). ``Status`` and
``DatasetClass`` are the client core's (``omni_core.datasets.labels``): a remote import needs them too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from omni_core.datasets.labels import DatasetClass as DatasetClass
from omni_core.datasets.labels import Status as Status
from omni_core.formats.images import ImageProbe
from omni_core.formats.model import Box


@dataclass(frozen=True)
class DatasetRecord:
    name: str
    classes: tuple[DatasetClass, ...]
    image_count: int
    images_by_status: dict[str, int]
    box_count: int
    created_at: float
    updated_at: float

    @property
    def class_names(self) -> list[str]:
        """Names by id (deleted classes keep their slot, so ids never shift)."""
        return [c.name for c in self.classes]


@dataclass(frozen=True)
class ImageRecord:
    image_id: str  # SHA-256 of the bytes
    filename: str
    width: int  # upright
    height: int
    status: Status
    revision: int
    box_count: int
    updated_at: float
    updated_by: str
    size_bytes: int
    position: int


@dataclass(frozen=True)
class AnnotationsRecord:
    dataset: str
    image_id: str
    boxes: tuple[Box, ...]
    status: Status
    revision: int
    updated_at: float
    updated_by: str


@dataclass(frozen=True)
class ImagePage:
    images: list[ImageRecord]
    next_page_token: str
    total: int


@dataclass(frozen=True)
class ImageBytes:
    image_id: str
    data: bytes
    format: str
    width: int
    height: int
    original_width: int
    original_height: int


@dataclass(frozen=True)
class HistogramBin:
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class DatasetStats:
    dataset: str
    images_by_status: dict[str, int]
    boxes_by_class: dict[str, int]
    box_size_histogram: list[HistogramBin]
    images_without_boxes: int
    image_count: int
    box_count: int


@dataclass(frozen=True)
class UploadOutcome:
    filename: str
    image_id: str = ""
    duplicate: bool = False
    error: str = ""


@dataclass(frozen=True)
class NewImage:
    """An image to add to a dataset: its bytes (stored already, ``source`` holds a copy), optionally its labels."""

    sha256: str
    filename: str
    probe: ImageProbe
    size_bytes: int
    #: a file with the same bytes, to store them again should they have vanished meanwhile (None: none at hand)
    source: Path | None
    #: None: unlabelled (status todo, revision 0); a list (even empty): labelled by ``editor``
    boxes: tuple[Box, ...] | None = None
    status: Status = Status.TODO
    editor: str = ""
