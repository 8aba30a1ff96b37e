"""Dataset import and export as job kinds: checks run at submit time in the server, the work in a worker."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from backend.datasets.params import ExportDatasetParams, ImportDatasetParams
from backend.datasets.records import Status
from backend.datasets.service import DatasetService
from backend.jobs.context import JobContext
from backend.jobs.kind import JobKind, Prepared
from backend.storage import credentials, remote_config
from backend.storage.remote_config import RemoteConfig
from backend.workspace import Workspace, require_empty_folder, require_existing_folder
from omni_core.datasets.names import check_class_list, check_dataset_name, dataset_name_from_folder
from omni_core.errors import FailedPrecondition, InvalidArgument, shown
from omni_core.formats import EXPORT_FORMATS, IMPORT_FORMATS, check_format
from omni_core.formats.split import check_fractions

S3_SCHEME = "s3://"
#: ``scheme://``: a URL, not a folder
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def workspace_root(ctx: JobContext) -> Path:
    """The folder of the workspace the job runs in (``ctx.workspace_root``; else its local store's root)."""
    root = getattr(ctx, "workspace_root", None) or getattr(ctx.store, "root", None)
    if root is None:
        raise FailedPrecondition("dataset jobs need the workspace's local store")
    return Path(root)


def _service_in_worker(ctx: JobContext) -> DatasetService:
    """The dataset service of the workspace the job runs in."""
    return DatasetService.for_workspace(Workspace(workspace_root(ctx)))


def is_s3_url(out: str) -> bool:
    """``out`` means an S3 location (anything starting ``s3:``; ``check_s3_out`` says whether it is a good one)."""
    return out.strip().lower().startswith("s3:")


def check_s3_out(out: str, state_dir: Path) -> RemoteConfig:
    """The remote configuration for exporting to ``out`` = ``s3://BUCKET[/PREFIX]``: the workspace remote's server,
    region, TLS and keys, with this bucket and prefix. InvalidArgument("out") for a bad URL, FailedPrecondition
    when the workspace has no remote or no keys for it. Nothing is sent."""
    remote = remote_config.load_config(state_dir)
    base = remote if remote is not None else RemoteConfig(url=S3_SCHEME)
    try:
        config = remote_config.checked(
            replace(base, url=out.strip(), layout=remote_config.LAYOUT_PREFIX, bucket_prefix="")
        )
    except InvalidArgument as error:
        if error.field != "url":
            raise
        raise InvalidArgument("out", error.reason) from None
    if remote is None:
        raise FailedPrecondition(
            f"{config.url} is reached through the workspace's remote (its endpoint and keys), and this "
            "workspace has none; set one with omni remote set s3://...",
            field="out",
        )
    credentials.resolve(config, state_dir)  # no keys: FailedPrecondition now, not in the job
    return config


def prepare_import(params: ImportDatasetParams, workspace: Workspace, resuming: bool) -> Prepared:
    path = require_existing_folder(workspace, params.path, field="path")
    fmt = check_format(params.format, IMPORT_FORMATS)
    name = check_dataset_name(params.name, "name") if params.name else dataset_name_from_folder(path.name)
    classes = check_class_list(list(params.classes))
    existing = DatasetService.for_workspace(workspace).find_dataset(name)
    if existing is not None and classes and classes != [c.name for c in existing.classes if not c.deleted]:
        raise InvalidArgument(
            "classes",
            f"dataset {shown(name)} exists with classes {', '.join(existing.class_names)}; "
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
    if is_s3_url(params.out):
        out = check_s3_out(params.out, workspace.state_dir).url  # the prefix must be empty: checked by the job
    elif URL_SCHEME.match(params.out.strip()):
        raise InvalidArgument("out", f"{shown(params.out)}: give a folder or an s3://BUCKET/PREFIX URL")
    else:
        folder = workspace.resolve_user_path(params.out, field="out")
        if not resuming:
            require_empty_folder(folder, field="out")
        out = str(folder)
    checked = replace(params, out=out, format=fmt, split=split)
    return Prepared(params=checked, outputs={"out": out})


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
