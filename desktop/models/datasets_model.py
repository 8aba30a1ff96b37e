"""The Datasets view's state: the backend's datasets with their counts, the selection and its statistics,
and the forms that become RPCs or jobs (create, edit classes, import a folder, export)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from desktop.models.events import Event
from desktop.models.formatting import format_timestamp
from desktop.models.locations import (
    LOCATION_TIPS,
    RemoteListing,
    SyncTarget,
    located_items,
    location_text,
    location_tone,
    merge_local,
)
from desktop.models.table_rows import Row
from omni_core.datasets.names import check_dataset_name
from omni_core.errors import InvalidArgument
from protos.omni.v1 import datasets_pb2, jobs_pb2, storage_pb2

COLUMNS = ("Dataset", "Images", "To do", "Done", "Review", "Boxes", "Classes", "Updated", "Location")
LOCATION_COLUMN = COLUMNS.index("Location")
#: labels of the formats omni_core.formats reads and writes (a test keeps the keys equal)
IMPORT_FORMATS = {
    "images": "Plain images (unlabelled)",
    "yolo": "YOLO",
    "coco": "COCO",
    "voc": "Pascal VOC",
    "cvat": "CVAT for images 1.1 (annotations.xml)",
    "labelme": "LabelMe (JSON per image)",
    "labelstudio": "Label Studio JSON",
}
EXPORT_FORMATS = {
    "yolo": "YOLO (Ultralytics)",
    "coco": "COCO",
    "voc": "Pascal VOC",
    "cvat": "CVAT for images 1.1",
    "labelme": "LabelMe",
    "labelstudio": "Label Studio JSON",
}
IMPORT_KIND, EXPORT_KIND = "import_dataset", "export_dataset"
STATUS_KEYS = ("todo", "done", "review")


class FormInvalid(ValueError):
    """A field the user must fix: ``field`` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_name(name: str) -> str:
    name = name.strip()
    try:
        return check_dataset_name(name)  # the backend's own rule (omni_core), so the form refuses what it would
    except InvalidArgument:
        raise FormInvalid("name", "A dataset name is 1 to 64 letters, digits, '-', '_' or '.'") from None


def parse_classes(text: str) -> list[str]:
    """``"dent, dirt\\nrust"`` -> names, in order, without blanks; duplicates refused."""
    names = [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise FormInvalid("classes", f"The class {name!r} is listed twice")
        seen.add(name.lower())
    return names


def parse_split(text: str) -> list[float]:
    """``"0.8, 0.2"`` or ``"0.7,0.2,0.1"``: 2 or 3 non-negative fractions summing to 1."""
    if not text.strip():
        return []
    try:
        parts = [float(part) for part in text.replace(" ", "").split(",")]
    except ValueError:
        raise FormInvalid("split", "The split is 2 or 3 numbers, e.g. 0.8,0.2") from None
    if len(parts) not in (2, 3) or any(p < 0 for p in parts) or abs(sum(parts) - 1) > 1e-6:
        raise FormInvalid("split", "The split is 2 or 3 fractions (train, val[, test]) that add up to 1")
    return parts


def create_request(name: str, classes_text: str) -> tuple[str, list[str]]:
    return check_name(name), parse_classes(classes_text)


def import_spec(path: str, fmt: str, name: str = "", classes_text: str = "") -> jobs_pb2.JobSpec:
    if not path.strip():
        raise FormInvalid("path", "Choose the folder to import")
    if fmt not in IMPORT_FORMATS:
        raise FormInvalid("format", f"Unknown format {fmt!r}")
    spec = datasets_pb2.ImportDatasetSpec(
        path=path.strip(),
        format=fmt,
        name=check_name(name) if name.strip() else "",
        classes=parse_classes(classes_text),
    )
    return jobs_pb2.JobSpec(import_dataset=spec)


def export_spec(
    dataset: str, out: str, fmt: str, split_text: str = "", seed: int = 0, statuses: Sequence[int] = ()
) -> jobs_pb2.JobSpec:
    if not out.strip():
        raise FormInvalid("out", "Choose a new or empty folder to export into")
    if fmt not in EXPORT_FORMATS:
        raise FormInvalid("format", f"Unknown format {fmt!r}")
    spec = datasets_pb2.ExportDatasetSpec(
        dataset=dataset,
        out=out.strip(),
        format=fmt,
        split=parse_split(split_text),
        seed=seed,
        statuses=cast("list[datasets_pb2.ImageStatus]", list(statuses)),
    )
    return jobs_pb2.JobSpec(export_dataset=spec)


def dataset_row(dataset: datasets_pb2.Dataset) -> Row:
    by_status = dataset.images_by_status
    active = [c.name for c in dataset.classes if not c.deleted]
    return Row(
        key=dataset.name,
        cells=(
            dataset.name,
            f"{dataset.image_count:,}",
            f"{by_status.get('todo', 0):,}",
            f"{by_status.get('done', 0):,}",
            f"{by_status.get('review', 0):,}",
            f"{dataset.box_count:,}",
            ", ".join(active),
            format_timestamp(dataset.updated_at) if dataset.HasField("updated_at") else "",
            location_text(dataset.location),
        ),
        tones=(
            "bold",
            "",
            "",
            "good" if by_status.get("done", 0) else "",
            "",
            "",
            "muted",
            "muted",
            location_tone(dataset.location),
        ),
        tooltips={
            6: "\n".join(f"{c.id}: {c.name}" for c in dataset.classes if not c.deleted),
            **({LOCATION_COLUMN: LOCATION_TIPS[dataset.location]} if dataset.location in LOCATION_TIPS else {}),
        },
    )


@dataclass(frozen=True)
class StatsSummary:
    """DatasetStats as the stats panel draws it."""

    headline: str
    statuses: list[tuple[str, int]]
    classes: list[tuple[str, int, int]]  # name, boxes, class id (for its colour)
    histogram: list[tuple[float, float, int]]


def summarize(stats: datasets_pb2.DatasetStats, dataset: datasets_pb2.Dataset | None = None) -> StatsSummary:
    ids = {c.name: c.id for c in dataset.classes if not c.deleted} if dataset is not None else {}
    order = list(ids)
    names = order + sorted(name for name in stats.boxes_by_class if name not in ids)
    done = stats.images_by_status.get("done", 0)
    share = f" · {100 * done / stats.image_count:.0f}% done" if stats.image_count else ""
    headline = (
        f"{stats.image_count:,} images · {stats.box_count:,} boxes · "
        f"{stats.images_without_boxes:,} without boxes{share}"
    )
    return StatsSummary(
        headline=headline,
        statuses=[(key, stats.images_by_status.get(key, 0)) for key in STATUS_KEYS],
        classes=[(name, stats.boxes_by_class.get(name, 0), ids.get(name, index)) for index, name in enumerate(names)],
        histogram=[(b.low, b.high, b.count) for b in stats.box_size_histogram],
    )


def import_summary(report: dict[str, Any], limit: int = 20) -> tuple[str, str]:
    """(one line, details) of an import report (the job's "report" artifact, JSON): what was added, and
    which files were skipped or had label problems, with why."""
    skipped = report.get("skipped") or []
    problems = report.get("problems") or []
    line = (
        f"{report.get('dataset', '?')}: {report.get('added', 0):,} images added, "
        f"{report.get('already_present', 0):,} already there, {len(skipped):,} skipped, "
        f"{len(problems):,} label problems"
    )
    entries = [f"skipped: {_problem_text(p)}" for p in skipped]
    entries += [f"label problem: {_problem_text(p)}" for p in problems]
    details = "\n".join(entries[:limit])
    if len(entries) > limit:
        details += f"\n… and {len(entries) - limit:,} more in the import report"
    return line, details


def _problem_text(problem: Any) -> str:
    if isinstance(problem, dict):
        where = str(problem.get("file") or problem.get("path") or "")
        if problem.get("line"):
            where += f":{problem['line']}"
        return f"{where} — {problem.get('message') or problem.get('reason') or ''}".strip(" —")
    return str(problem)


class DatasetsModel:
    def __init__(self) -> None:
        self.datasets: list[datasets_pb2.Dataset] = []
        self.loaded = False
        self.selected: str | None = None
        self.stats: datasets_pb2.DatasetStats | None = None
        self.with_remote = False  # the rows say where each dataset lives (a remote is set and was listed)
        self.remote_note = ""
        self.rows_changed: Event[[]] = Event()
        self.selection_changed: Event[[]] = Event()
        self.stats_changed: Event[[]] = Event()

    def set_remote_listing(self, listing: RemoteListing) -> None:
        """A listing with ``include_remote``: every dataset here or on the remote, with its location."""
        self.remote_note = listing.note
        datasets, self.with_remote = located_items(listing, self.datasets, datasets_pb2.Dataset)
        self._set(datasets)

    def set_datasets(self, datasets: Sequence[datasets_pb2.Dataset]) -> None:
        """The local listing (the last known locations are kept until the next listing with them)."""
        if self.with_remote:
            datasets = merge_local(self.datasets, datasets, lambda dataset: dataset.name)
        self._set(datasets)

    def _set(self, datasets: Sequence[datasets_pb2.Dataset]) -> None:
        self.datasets = sorted(datasets, key=lambda d: d.name.lower())
        self.loaded = True
        self.rows_changed.emit()
        if self.selected is not None and self.dataset(self.selected) is None:
            self.select(None)
        elif self.selected is None and self.datasets:
            self.select(self.datasets[0].name)

    def upsert(self, dataset: datasets_pb2.Dataset) -> None:
        others = [d for d in self.datasets if d.name != dataset.name]
        self.set_datasets([*others, dataset])

    def remove(self, name: str) -> None:
        self.set_datasets([d for d in self.datasets if d.name != name])

    def clear(self) -> None:
        self.datasets, self.loaded, self.with_remote, self.remote_note = [], False, False, ""
        self.rows_changed.emit()
        self.select(None)

    def rows(self) -> list[Row]:
        return [dataset_row(d) for d in self.datasets]

    def dataset(self, name: str | None) -> datasets_pb2.Dataset | None:
        return next((d for d in self.datasets if d.name == name), None)

    @property
    def current(self) -> datasets_pb2.Dataset | None:
        return self.dataset(self.selected)

    @property
    def current_is_local(self) -> bool:
        """A dataset is selected and this workspace has it (not only the remote)."""
        current = self.current
        return current is not None and current.location != storage_pb2.LOCATION_REMOTE

    def sync_target(self) -> SyncTarget | None:
        """The selected dataset, if Push or Pull applies to it."""
        current = self.current
        if current is None or not self.with_remote:
            return None
        target = SyncTarget("dataset", current.name, current.location)
        return target if target.action else None

    def select(self, name: str | None) -> None:
        if name == self.selected:
            return
        self.selected = name
        self.stats = None
        self.selection_changed.emit()
        self.stats_changed.emit()

    def set_stats(self, stats: datasets_pb2.DatasetStats) -> None:
        if stats.dataset == self.selected:
            self.stats = stats
            self.stats_changed.emit()

    def summary(self) -> StatsSummary | None:
        return summarize(self.stats, self.current) if self.stats is not None else None

    def empty_text(self, connected: bool) -> str:
        if not connected:
            return "Not connected to a backend."
        if not self.loaded:
            return "Loading…"
        if not self.datasets:
            return "No datasets yet: create one, or import a folder of images."
        return ""


def class_changes(
    before: Sequence[datasets_pb2.DatasetClass], after: Sequence[tuple[int | None, str]]
) -> list[datasets_pb2.ClassChange]:
    """The changes that turn the class table ``before`` into ``after`` ((id or None for new, name) rows):
    renames, then deletions of ids no longer listed, then additions, in order."""
    current = {c.id: c.name for c in before if not c.deleted}
    kept = {class_id for class_id, _ in after if class_id is not None}
    changes: list[datasets_pb2.ClassChange] = []
    for class_id, name in after:
        name = name.strip()
        if class_id is not None and class_id in current and name and name != current[class_id]:
            changes.append(datasets_pb2.ClassChange(rename=datasets_pb2.RenameClass(id=class_id, name=name)))
    for class_id in current:
        if class_id not in kept:
            changes.append(datasets_pb2.ClassChange(delete_id=class_id))
    for class_id, name in after:
        if class_id is None and name.strip():
            changes.append(datasets_pb2.ClassChange(add=name.strip()))
    names = [name.strip().lower() for _id, name in after if name.strip()]
    if len(names) != len(set(names)):
        raise FormInvalid("classes", "Two classes have the same name")
    return changes
