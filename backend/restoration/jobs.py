"""Restoration training and folder evaluation as job kinds."""

from __future__ import annotations

from dataclasses import replace

from backend.jobs.context import JobContext
from backend.jobs.kind import JobKind, Prepared
from backend.restoration.params import (
    EvaluateParams,
    TrainRestorationParams,
    validate_evaluate_params,
    validate_train_params,
)
from backend.workspace import Workspace, require_existing_folder
from omni_core.errors import InvalidArgument, shown


def prepare_training(params: TrainRestorationParams, workspace: Workspace, resuming: bool) -> Prepared:
    checked = validate_train_params(params)
    if checked.teacher:
        from backend.registry.shared import registry_at
        from backend.restoration.teacher import teacher_version

        teacher_version(registry_at(workspace.root), checked.teacher)  # refused now, naming the teacher
    if checked.clean:
        clean = require_existing_folder(workspace, checked.clean, field="clean")
        return Prepared(params=replace(checked, clean=str(clean)), outputs={})
    data = require_existing_folder(workspace, checked.data, field="data")
    for side in ("clean", "degraded"):
        if not (data / side).is_dir():
            raise InvalidArgument("data", f"{shown(data)} must hold clean/ and degraded/ folders; {side}/ is missing")
    return Prepared(params=replace(checked, data=str(data)), outputs={})


def run_training(params: TrainRestorationParams, ctx: JobContext) -> dict[str, object]:
    from backend.restoration.run import run_training as run

    return run(params, ctx)


def prepare_evaluate(params: EvaluateParams, workspace: Workspace, resuming: bool) -> Prepared:
    checked = validate_evaluate_params(params)
    if checked.model:
        from backend.batch.models import resolve_model
        from backend.registry.shared import registry_at

        resolve_model(registry_at(workspace.root), checked.model, 0)  # refused now, naming the model
        return Prepared(params=checked, outputs={})
    pred = require_existing_folder(workspace, checked.pred, field="pred")
    ref = require_existing_folder(workspace, checked.ref, field="ref")
    return Prepared(params=replace(checked, pred=str(pred), ref=str(ref)), outputs={})


def run_evaluate(params: EvaluateParams, ctx: JobContext) -> dict[str, object]:
    if params.model:
        from backend.restoration.evaluate_model import evaluate_model_on_real_images

        return evaluate_model_on_real_images(params, ctx)
    from backend.restoration.evaluate import evaluate_folders

    return evaluate_folders(params, ctx)


TRAIN_RESTORATION = JobKind(
    name="train_restoration",
    params_type=TrainRestorationParams,
    prepare=prepare_training,
    run="backend.restoration.jobs:run_training",
    resumable=True,
    description="train a layer 1 or layer 2 restoration model",
)

EVALUATE = JobKind(
    name="evaluate",
    params_type=EvaluateParams,
    prepare=prepare_evaluate,
    run="backend.restoration.jobs:run_evaluate",
    resumable=False,
    description="PSNR/SSIM of a folder of predictions against a folder of references, or of a model on real images",
)
