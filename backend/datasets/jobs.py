"""Dataset import and export as job kinds: checks run at submit time in the server, the work in a worker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from backend.datasets.names import check_class_list, check_dataset_name, dataset_name_from_folder
from backend.datasets.params import ExportDatasetParams, ImportDatasetParams
from backend.datasets.records import Status
from backend.datasets.service import DatasetService
from backend.errors import FailedPrecondition, InvalidArgument
from backend.formats import EXPORT_FORMATS, IMPORT_FORMATS, check_format
from backend.formats.split import check_fractions
from backend.jobs.context import JobContext
from backend.jobs.kind import JobKind, Prepared
from backend.workspace import Workspace, require_empty_folder, require_existing_folder


def _service_in_worker(ctx: JobContext) -> DatasetService:
    """The dataset service of the workspace the job runs in (its store's root)."""
    root = getattr(ctx.store, "root", None)
    if root is None:
        raise FailedPrecondition("dataset jobs need the workspace's local store")
    return DatasetService.for_workspace(Workspace(Path(root)))


def prepare_import(params: ImportDatasetParams, workspace: Workspace, resuming: bool) -> Prepared:
    path = require_existing_folder(workspace, params.path, field="path")
    fmt = check_format(params.format, IMPORT_FORMATS)
    name = check_dataset_name(params.name, "name") if params.name else dataset_name_from_folder(path.name)
    classes = check_class_list(list(params.classes))
    existing = DatasetService.for_workspace(workspace).find_dataset(name)
    if existing is not None and classes and classes != [c.name for c in existing.classes if not c.deleted]:
        raise InvalidArgument(
            "classes",
            f"dataset {name!r} exists with classes {', '.join(existing.class_names)}; "
            "leave classes empty to import into it, or choose another name",
        )
    checked = replace(params, path=str(path), format=fmt, name=name, classes=tuple(classes))
    return Prepared(params=checked, outputs={"dataset": name})


def run_import(params: ImportDatasetParams, ctx: JobContext) -> dict[str, object]:
    from backend.datasets.ingest import import_folder

    return import_folder(_service_in_worker(ctx), params, ctx)


def prepare_export(params: ExportDatasetParams, workspace: Workspace, resuming: bool) -> Prepared:
    DatasetService.for_workspace(workspace).get_dataset(params.dataset)  # NOT_FOUND before queueing
    fmt = check_format(params.format or "yolo", EXPORT_FORMATS)
    split = check_fractions(params.split)
    known = {s.value for s in Status}
    for value in params.statuses:
        if value not in known:
            raise InvalidArgument("statuses", f"unknown image status {value}")
    out = workspace.resolve_user_path(params.out, field="out")
    if not resuming:
        require_empty_folder(out, field="out")
    checked = replace(params, out=str(out), format=fmt, split=split)
    return Prepared(params=checked, outputs={"out": str(out)})


def run_export(params: ExportDatasetParams, ctx: JobContext) -> dict[str, object]:
    from backend.datasets.export import export_dataset

    return export_dataset(_service_in_worker(ctx), params, ctx)


IMPORT_DATASET = JobKind(
    name="import_dataset",
    params_type=ImportDatasetParams,
    prepare=prepare_import,
    run="backend.datasets.jobs:run_import",
    resumable=True,  # a second run adds what the first did not get to, and nothing twice
    description="import a folder (images, YOLO, COCO or VOC) on the backend into a dataset",
)

EXPORT_DATASET = JobKind(
    name="export_dataset",
    params_type=ExportDatasetParams,
    prepare=prepare_export,
    run="backend.datasets.jobs:run_export",
    resumable=False,
    description="export a dataset as YOLO, COCO or VOC into a new folder, split by class",
)
