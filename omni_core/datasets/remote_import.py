"""Import a folder into a backend on another machine, which cannot read it: parse the folder here
(``omni_core.formats``), upload the usable images (``UploadImages``) a few at a time, and save each
labelled image's boxes and status (``SaveAnnotations``), so the dataset ends up as the backend's own
import job would leave it. The CLI and the desktop both run this; each shows the progress its own way.

Cancelling stops between images. What was sent stays consistent and a second import resumes: an image
already in the dataset counts as already there, and one that was uploaded but whose labels were never
saved (revision 0) gets them then.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from omni_core.datasets.classmap import class_mapping, missing_classes, source_class_names
from omni_core.datasets.labels import DatasetClass, Status, labels_of
from omni_core.datasets.names import DEFAULT_CLASSES, check_dataset_name, dataset_name_from_folder
from omni_core.errors import InvalidArgument
from omni_core.formats import read_dataset
from omni_core.formats.box_proto import box_to_proto
from omni_core.formats.images import UnusableImage, read_image_file
from omni_core.formats.model import ParsedDataset, Problem, SourceImage
from omni_core.formats.report import ImportReport
from protos.omni.v1 import datasets_pb2

IMPORT_EDITOR = "import"
#: images per UploadImages call: how far a Cancel may have to wait, and how often progress moves
UPLOAD_BATCH = 16
LIST_PAGE = 5000
#: error codes (the connection's ``error.code``) that refuse one image's labels; any other error ends the import
LABEL_REFUSALS = frozenset({"ABORTED", "INVALID_ARGUMENT", "FAILED_PRECONDITION", "NOT_FOUND"})


class ImportTarget(Protocol):
    """What the import needs of a connection to the backend (``desktop.client.Connection`` is one)."""

    def find_dataset(self, name: str) -> datasets_pb2.Dataset | None: ...

    def create_dataset(self, name: str, classes: Iterable[str] = ()) -> datasets_pb2.Dataset: ...

    def update_classes(self, dataset: str, changes: Iterable[Any]) -> datasets_pb2.Dataset: ...

    def list_images(
        self, dataset: str, *, status: int = 0, page_size: int = 200, page_token: str = "", order_by: str = ""
    ) -> datasets_pb2.ListImagesResponse: ...

    def upload_images(self, dataset: str, files: Iterable[tuple[Path, str]]) -> list[datasets_pb2.UploadResult]: ...

    def save_annotations(
        self,
        dataset: str,
        image_id: str,
        *,
        base_revision: int,
        boxes: Iterable[Any],
        status: int = 0,
        editor: str = "",
        client_edit_id: str = "",
    ) -> datasets_pb2.Annotations: ...


@dataclass(frozen=True)
class ImportProgress:
    """Where an import stands: ``sent`` of ``total`` usable images handled (uploaded, or found present)."""

    dataset: str
    total: int
    sent: int = 0
    added: int = 0
    already_present: int = 0
    labels_saved: int = 0
    skipped: int = 0


ProgressCallback = Callable[[ImportProgress], None]


@dataclass(frozen=True)
class _Held:
    filename: str
    revision: int


def _present(target: ImportTarget, name: str) -> dict[str, _Held]:
    """image_id -> (filename, revision) of every image the dataset holds."""
    present: dict[str, _Held] = {}
    token = ""
    while True:
        page = target.list_images(name, page_size=LIST_PAGE, page_token=token)
        present.update({i.image_id: _Held(i.filename, i.revision) for i in page.images})
        token = page.next_page_token
        if not token:
            return present


def _table(dataset: datasets_pb2.Dataset) -> list[DatasetClass]:
    return [DatasetClass(c.id, c.name, c.deleted) for c in dataset.classes]


def _usable(parsed: ParsedDataset, report: ImportReport) -> list[SourceImage]:
    """The images the backend will accept, checked here before anything is sent; the rest are skipped."""
    usable = []
    for source in parsed.images:
        try:
            read_image_file(source.path)
            usable.append(source)
        except (UnusableImage, OSError) as error:
            report.skipped.append(Problem(parsed.relative(source.path), 0, str(error)))
    return usable


class _Run:
    """One import's sending phase: the counts it reports and what the dataset holds."""

    def __init__(
        self, target: ImportTarget, parsed: ParsedDataset, mapping: Sequence[int], report: ImportReport, total: int
    ) -> None:
        self.target, self.parsed, self.mapping, self.report = target, parsed, mapping, report
        self.present = _present(target, report.dataset)
        self.progress = ImportProgress(report.dataset, total)

    def handle(self, source: SourceImage, result: datasets_pb2.UploadResult) -> None:
        where = self.parsed.relative(source.path)
        held = self.present.get(result.image_id)
        if result.error:
            self.report.skipped.append(Problem(where, 0, result.error))
        elif held is not None and held.filename != source.filename:
            self.report.skipped.append(Problem(where, 0, f"the same image is in the dataset as {held.filename!r}"))
        elif held is not None:
            self.report.already_present += 1
            if held.revision == 0:  # uploaded by an import that stopped before saving its labels
                self._save(source, result.image_id, where)
        else:
            self.present[result.image_id] = _Held(source.filename, 0)
            if self._save(source, result.image_id, where):
                self.report.added += 1
        self._moved()

    def _save(self, source: SourceImage, image_id: str, where: str) -> bool:
        """Save the image's labels, if it has any; False when the backend refused them (a label problem)."""
        boxes, status = labels_of(source, self.mapping)
        if boxes is None and status == Status.TODO:
            return True
        try:
            self.target.save_annotations(
                self.report.dataset,
                image_id,
                base_revision=0,
                boxes=[box_to_proto(b) for b in boxes or ()],
                status=int(status),
                editor=IMPORT_EDITOR,
                client_edit_id=f"import:{image_id}",
            )
        except Exception as error:
            if getattr(error, "code", None) not in LABEL_REFUSALS:
                raise
            self.report.problems.append(Problem(where, 0, f"labels not saved: {error}"))
            return False
        self.present[image_id] = _Held(source.filename, 1)
        self.report.boxes += len(boxes or ())
        self.progress = replace(self.progress, labels_saved=self.progress.labels_saved + 1)
        return True

    def _moved(self) -> None:
        report = self.report
        self.progress = replace(
            self.progress,
            sent=self.progress.sent + 1,
            added=report.added,
            already_present=report.already_present,
            skipped=len(report.skipped),
        )


def _dataset_for(
    target: ImportTarget, name: str, existing: datasets_pb2.Dataset | None, source_classes: Sequence[str]
) -> tuple[datasets_pb2.Dataset, list[str]]:
    """The dataset with every source class in its table (created if new), and the classes it gained."""
    if existing is None:
        return target.create_dataset(name, source_class_names(source_classes)), []
    added = missing_classes(source_classes, _table(existing))
    return (target.update_classes(name, [("add", n) for n in added]) if added else existing), added


def remote_import(
    target: ImportTarget,
    folder: Path,
    fmt: str,
    name: str = "",
    classes: Sequence[str] = (),
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> ImportReport:
    """Import ``folder`` (in ``fmt``) into the dataset ``name`` ("" = the folder's name) on ``target``.

    ``classes`` are a new dataset's classes when the folder names none (default: the default classes).
    ``progress`` is called from this thread after each image; ``cancel`` stops between images. Bad input
    raises ``InvalidArgument`` naming the field; files and labels that cannot be used are in the report."""
    started = time.monotonic()
    if not folder.is_dir():
        raise InvalidArgument("path", f"{folder} is not a folder")
    name = check_dataset_name(name) if name else dataset_name_from_folder(folder.resolve().name)
    existing = target.find_dataset(name)
    fallback = [c.name for c in existing.classes] if existing else list(classes) or list(DEFAULT_CLASSES)
    parsed = read_dataset(folder, fmt, fallback_classes=fallback)
    source_classes = parsed.classes or fallback
    dataset, added_classes = _dataset_for(target, name, existing, source_classes)
    report = ImportReport.start(name, parsed)
    report.classes_added = added_classes
    usable = _usable(parsed, report)
    run = _Run(target, parsed, class_mapping(source_classes, _table(dataset)), report, len(usable))
    tell = progress or (lambda _progress: None)
    tell(run.progress)
    stop = cancel or threading.Event()
    for start in range(0, len(usable), UPLOAD_BATCH):
        if stop.is_set():
            break
        batch = usable[start : start + UPLOAD_BATCH]
        results = target.upload_images(name, [(s.path, s.filename) for s in batch])
        for source, result in zip(batch, results, strict=True):
            if stop.is_set():
                break
            run.handle(source, result)
            tell(run.progress)
    report.cancelled = run.progress.sent < len(usable)
    report.seconds = time.monotonic() - started
    return report
