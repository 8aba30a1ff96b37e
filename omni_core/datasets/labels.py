"""The classes of a dataset, an image's review status, and the boxes and status an imported image starts with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from omni_core.formats.model import Box, SourceImage


class Status(IntEnum):
    """An image's review status. The numbers are ``omni.v1.ImageStatus``'s, so they cross the RPC layer as is."""

    TODO = 1
    DONE = 2
    REVIEW = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class DatasetClass:
    id: int
    name: str
    deleted: bool = False


def labels_of(source: SourceImage, mapping: Sequence[int]) -> tuple[tuple[Box, ...] | None, Status]:
    """The boxes (in dataset class ids) and status an imported image starts with: labelled images are
    ``done``, unlabelled ones ``todo``, and any with refused labels ``review``, so a person looks at them."""
    status = Status.REVIEW if source.flagged else Status.DONE if source.labelled else Status.TODO
    if not source.labelled:
        return None, status
    boxes = tuple(
        Box(mapping[b.class_id], b.x_center, b.y_center, b.width, b.height, b.confidence, b.flags) for b in source.boxes
    )
    return boxes, status
