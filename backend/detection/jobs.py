"""Detection training, batch detection and pre-labelling as job kinds.

``prepare_*`` run in the server when a job is submitted, so bad input is refused before anything starts
(no torch or Ultralytics here); ``run_*`` run in the worker process.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from backend.datasets.records import Status
from backend.datasets.service import DatasetService
from backend.detection.data_check import check_data_yaml
from backend.detection.models import resolve_detector, resolve_user_file, starting_point
from backend.detection.params import (
    DetectBatchParams,
    PrelabelParams,
    TrainDetectionParams,
    validate_batch_params,
    validate_prelabel_params,
    validate_train_params,
)
from backend.jobs.context import JobContext
from backend.jobs.kind import JobKind, Prepared
from backend.registry.shared import open_registry
from backend.workspace import Workspace, require_existing_folder
from omni_core.detection.batch_plan import check_out
from omni_core.errors import InvalidArgument
from omni_core.formats.split import assign_splits


def _check_dataset(workspace: Workspace, params: TrainDetectionParams) -> None:
    """The dataset exists and its export would give labelled objects in both train and val."""
    known = {s.value for s in Status}
    for value in params.statuses:
        if value not in known:
            raise InvalidArgument("statuses", f"unknown image status {value}")
    _, rows = DatasetService.for_workspace(workspace).export_rows(params.dataset, params.statuses)
    wanted = ", ".join(Status(s).label for s in params.statuses)
    if len(rows) < 2:
        raise InvalidArgument(
            "dataset", f"{params.dataset} has {len(rows)} images with status {wanted}; training needs at least 2"
        )
    splits = assign_splits(
        [(row.sha256, [b.class_id for b in row.boxes]) for row in rows],
        (1 - params.val_fraction, params.val_fraction),
        params.seed,
    )
    for split in ("train", "val"):
        objects = sum(len(row.boxes) for row, name in zip(rows, splits, strict=True) if name == split)
        if not objects:
            raise InvalidArgument(
                "dataset",
                f"{params.dataset}: the {split} split ({splits.count(split)} of {len(rows)} images with status "
                f"{wanted}) has no labelled objects; label more images",
            )


def prepare_training(params: TrainDetectionParams, workspace: Workspace, resuming: bool) -> Prepared:
    checked = validate_train_params(params)
    if resuming:  # the run continues from its checkpoint, with its own data and arguments
        return Prepared(params=checked, outputs={})
    if checked.data:
        path = resolve_user_file(workspace, checked.data, "data")
        check_data_yaml(path, "data", workspace.confinement)
        checked = replace(checked, data=str(path))
    else:
        _check_dataset(workspace, checked)
    point = starting_point(workspace, open_registry(workspace.store, workspace.state_dir), checked.model)
    if point.kind != "yaml" or Path(point.value).is_absolute():
        checked = replace(checked, model=point.value)
    return Prepared(params=checked, outputs={})


def run_training(params: TrainDetectionParams, ctx: JobContext) -> dict[str, object]:
    from backend.detection.run import run_training as run

    return run(params, ctx)


def prepare_detect_batch(params: DetectBatchParams, workspace: Workspace, resuming: bool) -> Prepared:
    checked = validate_batch_params(params)
    source = require_existing_folder(workspace, checked.input, field="input")
    out = workspace.resolve_user_path(checked.out, field="out")
    check_out(source, out, recursive=checked.recursive)
    model = resolve_detector(open_registry(workspace.store, workspace.state_dir), checked.model)
    # the version is fixed now: a resumed run uses the same model even if another is promoted since
    checked = replace(
        checked, input=str(source), out=str(out), model=model.version, overwrite=checked.overwrite and not resuming
    )
    # (outputs must not name the model: the job manager refuses jobs whose outputs are equal to another's)
    return Prepared(params=checked, outputs={"out": str(out)})


def run_detect_batch(params: DetectBatchParams, ctx: JobContext) -> dict[str, object]:
    from backend.detection.batch import detect_folder

    return detect_folder(params, ctx)


def prepare_prelabel(params: PrelabelParams, workspace: Workspace, resuming: bool) -> Prepared:
    checked = validate_prelabel_params(params)
    DatasetService.for_workspace(workspace).get_dataset(checked.dataset)  # NOT_FOUND before queueing
    model = resolve_detector(open_registry(workspace.store, workspace.state_dir), checked.model)
    checked = replace(checked, model=model.version)
    return Prepared(params=checked, outputs={"prelabel": f"prelabel:{checked.dataset}"})


def run_prelabel(params: PrelabelParams, ctx: JobContext) -> dict[str, object]:
    from backend.detection.prelabel import prelabel_dataset

    return prelabel_dataset(params, ctx)


TRAIN_DETECTION = JobKind(
    name="train_detection",
    params_type=TrainDetectionParams,
    prepare=prepare_training,
    run="backend.detection.jobs:run_training",
    resumable=True,
    description="train a YOLO11 detector through Ultralytics, offline, from a dataset or a data.yaml",
)

DETECT_BATCH = JobKind(
    name="detect_batch",
    params_type=DetectBatchParams,
    prepare=prepare_detect_batch,
    run="backend.detection.jobs:run_detect_batch",
    resumable=True,
    description="detect objects in a folder of images with a registered detector (ONNX Runtime)",
)

PRELABEL = JobKind(
    name="prelabel",
    params_type=PrelabelParams,
    prepare=prepare_prelabel,
    run="backend.detection.jobs:run_prelabel",
    resumable=True,
    description="suggest boxes on every todo image of a dataset and mark those images review",
)
