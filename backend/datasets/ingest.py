"""Importing a folder on the backend into a dataset (the ``import_dataset`` job's work).

Images are read, checked and hashed one by one, stored content-addressed, and added in batches of
``BATCH`` (one transaction each), so 10,000 small images take seconds and a cancelled or killed import
leaves whole batches. Importing the same folder again adds nothing and changes no annotation.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from backend.datasets.imagerows import AddOutcome
from backend.datasets.params import ImportDatasetParams
from backend.datasets.records import NewImage
from backend.datasets.service import DatasetService
from backend.jobs.context import JobContext, confinement_of
from omni_core.datasets.labels import labels_of
from omni_core.datasets.names import DEFAULT_CLASSES
from omni_core.formats import read_dataset
from omni_core.formats.images import UnusableImage, read_image_file
from omni_core.formats.model import ParsedDataset, Problem, SourceImage
from omni_core.formats.report import ImportReport
from protos.omni.v1 import jobs_pb2

BATCH = 500
#: threads reading, checking, hashing and storing images: the work waits on the disk more than on Python
READERS = 4
IMPORT_EDITOR = "import"
REPORT_PREFIX = "training-data/imports"
ALREADY_PRESENT = "already in the dataset"


def tally(
    report: ImportReport, parsed: ParsedDataset, sources: Sequence[SourceImage], outcomes: Sequence[AddOutcome]
) -> None:
    for source, outcome in zip(sources, outcomes, strict=True):
        if outcome.added:
            report.added += 1
            report.boxes += len(source.boxes) if source.labelled else 0
        elif outcome.image_id and not outcome.message:
            report.already_present += 1
        else:
            report.skipped.append(Problem(parsed.relative(source.path), 0, outcome.message))


def added_item(relative: str, item: NewImage, outcome: AddOutcome) -> jobs_pb2.ItemOutcome:
    """What became of an image offered to the dataset: added, there already (skipped), or refused (failed)."""
    found = jobs_pb2.ItemOutcome(
        input=relative, output=outcome.image_id, size_bytes=item.size_bytes, width=item.probe.width,
        height=item.probe.height,
    )  # fmt: skip
    if outcome.added:
        found.ok = True
    elif outcome.image_id:
        found.skipped, found.reason = True, outcome.message or ALREADY_PRESENT
    else:
        found.reason = outcome.message
    return found


def import_folder(service: DatasetService, params: ImportDatasetParams, ctx: JobContext) -> dict[str, object]:
    started = time.monotonic()
    existing = service.find_dataset(params.name)
    fallback = existing.class_names if existing else list(params.classes) or list(DEFAULT_CLASSES)
    ctx.progress(0, 0, unit="images", message=f"reading {params.path} as {params.format}")
    parsed = read_dataset(Path(params.path), params.format, fallback_classes=fallback, confinement=confinement_of(ctx))
    ctx.log(f"found {len(parsed.images)} images and {len(parsed.classes or [])} classes in {params.path}")
    dataset, mapping, added_classes = service.prepare_import(params.name, parsed.classes or fallback)
    report = ImportReport.start(params.name, parsed)
    for refused in parsed.skipped:  # files the reader left out (not images, missing, out of reach)
        ctx.item(jobs_pb2.ItemOutcome(input=refused.file, skipped=True, reason=refused.message))
    report.classes_added = [] if existing is None else added_classes
    if existing is not None and added_classes:
        ctx.log(f"added classes to {params.name}: {', '.join(added_classes)}")
    total = len(parsed.images)
    with ThreadPoolExecutor(READERS, thread_name_prefix="import") as pool:
        for start in range(0, total, BATCH):
            ctx.check_cancelled()
            batch = parsed.images[start : start + BATCH]
            sources, items = [], []
            for source, item in zip(batch, pool.map(lambda s: _new_image(s, mapping, service), batch), strict=True):
                if isinstance(item, NewImage):
                    sources.append(source)
                    items.append(item)
                else:
                    report.skipped.append(Problem(parsed.relative(source.path), 0, item))
                    ctx.item(jobs_pb2.ItemOutcome(input=parsed.relative(source.path), reason=item))
            service.blobs.sync()  # the bytes are on disk before the rows that point at them
            outcomes = service.add_images(params.name, items)
            tally(report, parsed, sources, outcomes)
            for source, item, outcome in zip(sources, items, outcomes, strict=True):
                ctx.item(added_item(parsed.relative(source.path), item, outcome))
            ctx.progress(min(start + BATCH, total), total, unit="images")
    report.seconds = time.monotonic() - started
    key = f"{REPORT_PREFIX}/{params.name}/{ctx.job_id}.json"
    info = ctx.store.put_bytes(key, report.to_bytes())
    ctx.artifact(key, "import-report", size_bytes=info.size, sha256=info.sha256, description=report.summary())
    for level, line in report.lines():
        ctx.log(line, level)
    ctx.log(report.summary())
    ctx.set_output("dataset", dataset.name)
    ctx.set_output("report", key)
    return {"added": report.added, "skipped": len(report.skipped), "problems": len(report.problems)}


def _new_image(source: SourceImage, mapping: Sequence[int], service: DatasetService) -> NewImage | str:
    """Read, check, hash and store one image (in a reader thread); the reason it was skipped if it was."""
    try:
        data, sha256, probe = read_image_file(source.path)
    except UnusableImage as error:
        return str(error)
    except OSError as error:
        return f"cannot read it ({error.strerror or error})"
    service.blobs.put_bytes(data, sha256, probe.format, deferred_sync=True)
    boxes, status = labels_of(source, mapping)
    editor = IMPORT_EDITOR if boxes is not None else ""
    return NewImage(sha256, source.filename, probe, len(data), source.path, boxes, status, editor)
