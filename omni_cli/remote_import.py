"""``omni dataset import`` for a backend on another machine: parse the folder here (``omni_core.formats``, pure
Python and Pillow), upload the usable images (``UploadImages``), then save each labelled image's boxes
(``SaveAnnotations``), so the dataset ends up as an import on the backend itself would leave it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from desktop.client import BackendError, Connection
from protos.omni.v1 import datasets_pb2

IMPORT_EDITOR = "import"


def _present(connection: Connection, name: str) -> dict[str, str]:
    """image_id -> filename of every image the dataset holds."""
    present: dict[str, str] = {}
    token = ""
    while True:
        page = connection.list_images(name, page_size=5000, page_token=token)
        present.update({image.image_id: image.filename for image in page.images})
        token = page.next_page_token
        if not token:
            return present


def remote_import(connection: Connection, folder: Path, fmt: str, name: str, classes: list[str]) -> int:
    from backend.datasets.records import DatasetClass, Status
    from omni_core.datasets.classmap import class_mapping, missing_classes, source_class_names
    from omni_core.datasets.labels import labels_of
    from omni_core.datasets.names import DEFAULT_CLASSES, check_dataset_name, dataset_name_from_folder
    from omni_core.errors import InvalidArgument
    from omni_core.formats import read_dataset
    from omni_core.formats.box_proto import box_to_proto
    from omni_core.formats.images import UnusableImage, read_image_file
    from omni_core.formats.model import Problem
    from omni_core.formats.report import ImportReport

    started = time.monotonic()
    if not folder.is_dir():
        print(f"omni: {folder} is not a folder", file=sys.stderr)
        return 1
    try:
        name = check_dataset_name(name) if name else dataset_name_from_folder(folder.resolve().name)
    except InvalidArgument as error:
        print(f"omni: {error.message}", file=sys.stderr)
        return 1
    try:
        existing: datasets_pb2.Dataset | None = connection.get_dataset(name)
    except BackendError as error:
        if error.code != "NOT_FOUND":
            raise
        existing = None
    fallback = [c.name for c in existing.classes] if existing else classes or list(DEFAULT_CLASSES)
    parsed = read_dataset(folder, fmt, fallback_classes=fallback)
    source_classes = parsed.classes or fallback
    if existing is None:
        dataset = connection.create_dataset(name, source_class_names(source_classes))
    else:
        table = [DatasetClass(c.id, c.name, c.deleted) for c in existing.classes]
        added = missing_classes(source_classes, table)
        dataset = connection.update_classes(name, [("add", n) for n in added]) if added else existing
    mapping = class_mapping(source_classes, [DatasetClass(c.id, c.name, c.deleted) for c in dataset.classes])
    report = ImportReport.start(name, parsed)
    usable = []
    for source in parsed.images:
        try:
            read_image_file(source.path)  # the checks the backend makes, before sending anything
            usable.append(source)
        except (UnusableImage, OSError) as error:
            report.skipped.append(Problem(parsed.relative(source.path), 0, str(error)))
    present = _present(connection, name)
    print(f"uploading {len(usable)} images to {name} ...", file=sys.stderr)
    results = connection.upload_images(name, [(s.path, s.filename) for s in usable])
    for source, result in zip(usable, results, strict=True):
        where = parsed.relative(source.path)
        if result.error:
            report.skipped.append(Problem(where, 0, result.error))
            continue
        if result.image_id in present:
            if present[result.image_id] == source.filename:
                report.already_present += 1
            else:
                report.skipped.append(
                    Problem(where, 0, f"the same image is in the dataset as {present[result.image_id]!r}")
                )
            continue
        present[result.image_id] = source.filename
        boxes, status = labels_of(source, mapping)
        if boxes is not None or status != Status.TODO:
            try:
                connection.save_annotations(
                    name,
                    result.image_id,
                    base_revision=0,
                    boxes=[box_to_proto(b) for b in boxes or ()],
                    status=int(status),
                    editor=IMPORT_EDITOR,
                    client_edit_id=f"import:{result.image_id}",
                )
            except BackendError as error:
                report.problems.append(Problem(where, 0, f"labels not saved: {error}"))
                continue
        report.added += 1
        report.boxes += len(boxes or ())
    report.seconds = time.monotonic() - started
    for _, line in report.lines():
        print(line, file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 0
