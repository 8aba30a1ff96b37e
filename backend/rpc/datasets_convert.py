"""Datasets: proto <-> domain records, so the servicer stays thin and the domain never sees protobuf."""

from __future__ import annotations

from collections.abc import Iterable

from backend.datasets.catalog import ClassChange
from backend.datasets.records import AnnotationsRecord, DatasetRecord, DatasetStats, ImageBytes, ImageRecord
from backend.rpc.convert import timestamp
from omni_core.formats.box_proto import box_to_proto
from protos.omni.v1 import datasets_pb2


def dataset_to_proto(record: DatasetRecord) -> datasets_pb2.Dataset:
    return datasets_pb2.Dataset(
        name=record.name,
        classes=[datasets_pb2.DatasetClass(id=c.id, name=c.name, deleted=c.deleted) for c in record.classes],
        image_count=record.image_count,
        images_by_status=record.images_by_status,
        box_count=record.box_count,
        created_at=timestamp(record.created_at),
        updated_at=timestamp(record.updated_at),
    )


def image_to_proto(image: ImageRecord) -> datasets_pb2.ImageInfo:
    return datasets_pb2.ImageInfo(
        image_id=image.image_id,
        filename=image.filename,
        width=image.width,
        height=image.height,
        status=int(image.status),  # type: ignore[arg-type]
        revision=image.revision,
        box_count=image.box_count,
        updated_at=timestamp(image.updated_at),
        updated_by=image.updated_by,
        size_bytes=image.size_bytes,
        position=image.position,
    )


def annotations_to_proto(record: AnnotationsRecord) -> datasets_pb2.Annotations:
    return datasets_pb2.Annotations(
        dataset=record.dataset,
        image_id=record.image_id,
        boxes=[box_to_proto(b) for b in record.boxes],
        status=int(record.status),  # type: ignore[arg-type]
        revision=record.revision,
        updated_at=timestamp(record.updated_at),
        updated_by=record.updated_by,
    )


def image_data_to_proto(image: ImageBytes) -> datasets_pb2.ImageData:
    return datasets_pb2.ImageData(
        image_id=image.image_id,
        data=image.data,
        format=image.format,
        width=image.width,
        height=image.height,
        original_width=image.original_width,
        original_height=image.original_height,
    )


def stats_to_proto(stats: DatasetStats) -> datasets_pb2.DatasetStats:
    return datasets_pb2.DatasetStats(
        dataset=stats.dataset,
        images_by_status=stats.images_by_status,
        boxes_by_class=stats.boxes_by_class,
        box_size_histogram=[
            datasets_pb2.HistogramBin(low=b.low, high=b.high, count=b.count) for b in stats.box_size_histogram
        ],
        images_without_boxes=stats.images_without_boxes,
        image_count=stats.image_count,
        box_count=stats.box_count,
    )


def changes_from_proto(changes: Iterable[datasets_pb2.ClassChange]) -> list[ClassChange]:
    result = []
    for change in changes:
        which = change.WhichOneof("change")
        if which == "add":
            result.append(ClassChange("add", name=change.add))
        elif which == "rename":
            result.append(ClassChange("rename", class_id=change.rename.id, name=change.rename.name))
        elif which == "delete_id":
            result.append(ClassChange("delete", class_id=change.delete_id))
        else:
            result.append(ClassChange(""))
    return result
