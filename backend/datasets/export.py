"""Exporting a dataset into a folder (the ``export_dataset`` job's work): YOLO, COCO or VOC, split by class."""

from __future__ import annotations

import functools
from pathlib import Path

from backend.datasets.params import ExportDatasetParams
from backend.datasets.service import DatasetService
from backend.errors import FailedPrecondition
from backend.formats import writer_for
from backend.formats.images import FORMAT_EXTENSIONS, export_name
from backend.formats.model import ExportImage
from backend.formats.split import assign_splits
from backend.jobs.context import JobContext
from backend.storage.local import LocalStore

CHECK_EVERY = 50


def export_dataset(service: DatasetService, params: ExportDatasetParams, ctx: JobContext) -> dict[str, object]:
    record, rows = service.export_rows(params.dataset, params.statuses)
    if not rows:
        raise FailedPrecondition(f"dataset {params.dataset!r} has no images with the statuses asked for")
    splits = assign_splits([(row.sha256, [b.class_id for b in row.boxes]) for row in rows], params.split, params.seed)
    images = [
        ExportImage(
            name=export_name(row.filename, FORMAT_EXTENSIONS[row.format.upper()]),
            width=row.width,
            height=row.height,
            boxes=row.boxes,
            data=functools.partial(service.blobs.read, row.key),
        )
        for row in rows
    ]
    out = LocalStore(Path(params.out))
    total = len(images)

    def on_image(done: int) -> None:
        if done % CHECK_EVERY == 0:
            ctx.check_cancelled()
        ctx.progress(done, total, unit="images")

    result = writer_for(params.format)(out, record.class_names, images, splits, on_image)
    for key in result.descriptors:
        info = out.stat(key)
        ctx.artifact(str(Path(params.out) / key), "dataset", size_bytes=info.size, sha256=info.sha256)
    counts = ", ".join(f"{split} {count}" for split, count in sorted(result.images.items()))
    ctx.log(f"exported {total} images ({counts}) and {result.boxes} boxes of {params.dataset} as {params.format}")
    ctx.set_output("out", params.out)
    return {"images": total, "boxes": result.boxes, **{f"images_{k}": v for k, v in result.images.items()}}
