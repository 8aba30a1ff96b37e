"""A box as the dataset stores it (class + normalized centre/size, optional confidence) and an image's
annotation state (its boxes and status). Both are immutable values: edits replace them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from protos.omni.v1 import datasets_pb2

TODO = datasets_pb2.IMAGE_STATUS_TODO
DONE = datasets_pb2.IMAGE_STATUS_DONE
REVIEW = datasets_pb2.IMAGE_STATUS_REVIEW
STATUS_NAMES = {0: "any", TODO: "todo", DONE: "done", REVIEW: "review"}


@dataclass(frozen=True)
class Box:
    class_id: int
    x_center: float
    y_center: float
    width: float
    height: float
    confidence: float | None = None  # set on suggestions (model-assisted labelling)
    # what the annotator said about the object (Pascal VOC's difficult/truncated, CVAT's occluded); kept
    # through moves and saves so a box imported with them exports with them
    difficult: bool = False
    truncated: bool = False
    occluded: bool = False

    @property
    def is_suggestion(self) -> bool:
        return self.confidence is not None

    @property
    def edges(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom), normalized."""
        return (
            self.x_center - self.width / 2,
            self.y_center - self.height / 2,
            self.x_center + self.width / 2,
            self.y_center + self.height / 2,
        )

    @classmethod
    def from_edges(
        cls, class_id: int, left: float, top: float, right: float, bottom: float, confidence: float | None = None
    ) -> Box:
        """A box from two corners in any order, clipped to the image (0..1)."""
        left, right = sorted((_unit(left), _unit(right)))
        top, bottom = sorted((_unit(top), _unit(bottom)))
        return cls(class_id, (left + right) / 2, (top + bottom) / 2, right - left, bottom - top, confidence)

    def clipped(self) -> Box:
        return replace(Box.from_edges(self.class_id, *self.edges, confidence=self.confidence), **self.flags())

    def flags(self) -> dict[str, bool]:
        return {"difficult": self.difficult, "truncated": self.truncated, "occluded": self.occluded}

    def with_edges(self, left: float, top: float, right: float, bottom: float) -> Box:
        """The box moved or resized by a person: same class and flags, no longer a suggestion."""
        return replace(Box.from_edges(self.class_id, left, top, right, bottom), **self.flags())

    def with_class(self, class_id: int) -> Box:
        return replace(self, class_id=class_id)

    def accepted(self) -> Box:
        """The suggestion as a box a person vouches for."""
        return replace(self, confidence=None)

    def pixel_rect(self, image_width: int, image_height: int) -> tuple[float, float, float, float]:
        """(left, top, width, height) in pixels of the upright image."""
        left, top, _, _ = self.edges
        return left * image_width, top * image_height, self.width * image_width, self.height * image_height

    @classmethod
    def from_pixels(
        cls,
        class_id: int,
        rect: tuple[float, float, float, float],
        image_width: int,
        image_height: int,
        confidence: float | None = None,
    ) -> Box:
        """From (left, top, width, height) in pixels, clipped to the image."""
        left, top, width, height = rect
        return cls.from_edges(
            class_id,
            left / image_width,
            top / image_height,
            (left + width) / image_width,
            (top + height) / image_height,
            confidence,
        )

    # -- wire format ----------------------------------------------------------------------------------

    @classmethod
    def from_proto(cls, box: datasets_pb2.Box) -> Box:
        confidence = box.confidence if box.HasField("confidence") else None
        return cls(
            box.class_id,
            box.x_center,
            box.y_center,
            box.width,
            box.height,
            confidence,
            difficult=box.difficult,
            truncated=box.truncated,
            occluded=box.occluded,
        )

    def to_proto(self) -> datasets_pb2.Box:
        box = datasets_pb2.Box(
            class_id=self.class_id,
            x_center=self.x_center,
            y_center=self.y_center,
            width=self.width,
            height=self.height,
            **self.flags(),
        )
        if self.confidence is not None:
            box.confidence = self.confidence
        return box

    def to_json(self) -> list[float | int | None]:
        """``[class, x, y, w, h, confidence]``, then the flags as 0/1 when any is set."""
        row: list[float | int | None] = [self.class_id, self.x_center, self.y_center, self.width, self.height]
        flags = [int(v) for v in self.flags().values()]
        return [*row, self.confidence, *flags] if any(flags) else [*row, self.confidence]

    @classmethod
    def from_json(cls, row: Sequence[float | int | None]) -> Box:
        class_id, x, y, w, h, confidence, *flags = row
        assert class_id is not None and x is not None and y is not None and w is not None and h is not None
        score = None if confidence is None else float(confidence)
        difficult, truncated, occluded = (bool(v) for v in (*flags, 0, 0, 0)[:3])
        return cls(int(class_id), float(x), float(y), float(w), float(h), score, difficult, truncated, occluded)


def _unit(value: float) -> float:
    return min(1.0, max(0.0, value))


@dataclass(frozen=True)
class ImageState:
    """What a save sends: the image's whole box list and its status."""

    boxes: tuple[Box, ...] = ()
    status: int = TODO

    @classmethod
    def from_annotations(cls, annotations: datasets_pb2.Annotations) -> ImageState:
        return cls(tuple(Box.from_proto(box) for box in annotations.boxes), annotations.status or TODO)

    def with_boxes(self, boxes: Iterable[Box]) -> ImageState:
        return replace(self, boxes=tuple(boxes))

    def with_status(self, status: int) -> ImageState:
        return replace(self, status=status)

    def to_json(self) -> dict[str, object]:
        return {"boxes": [box.to_json() for box in self.boxes], "status": self.status}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ImageState:
        rows = data.get("boxes") or []
        assert isinstance(rows, list)
        status = data.get("status", TODO)
        return cls(tuple(Box.from_json(row) for row in rows), int(status) if isinstance(status, int) else TODO)


def status_name(status: int) -> str:
    return STATUS_NAMES.get(status, "todo")
