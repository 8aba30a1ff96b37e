"""A box as the contract carries it (``omni.v1.Box``) and back, flags included: one conversion for the backend's
Datasets service and the CLI, which sends boxes it read on the client to a remote backend."""

from __future__ import annotations

from collections.abc import Iterable

from omni_core.formats.model import Box, BoxFlag
from protos.omni.v1 import datasets_pb2

__all__ = ["box_to_proto", "boxes_from_proto", "flags_from_proto"]


def box_to_proto(box: Box) -> datasets_pb2.Box:
    message = datasets_pb2.Box(
        class_id=box.class_id,
        x_center=box.x_center,
        y_center=box.y_center,
        width=box.width,
        height=box.height,
        difficult=box.has(BoxFlag.DIFFICULT),
        truncated=box.has(BoxFlag.TRUNCATED),
        occluded=box.has(BoxFlag.OCCLUDED),
    )
    if box.confidence is not None:
        message.confidence = box.confidence
    return message


def boxes_from_proto(boxes: Iterable[datasets_pb2.Box]) -> list[Box]:
    return [
        Box(
            b.class_id,
            b.x_center,
            b.y_center,
            b.width,
            b.height,
            b.confidence if b.HasField("confidence") else None,
            flags_from_proto(b),
        )
        for b in boxes
    ]


def flags_from_proto(box: datasets_pb2.Box) -> int:
    return (
        (BoxFlag.DIFFICULT if box.difficult else 0)
        | (BoxFlag.TRUNCATED if box.truncated else 0)
        | (BoxFlag.OCCLUDED if box.occluded else 0)
    )
