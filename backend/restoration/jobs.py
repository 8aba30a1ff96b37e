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
from omni_core.tiers import layer_and_preset


def prepare_training(params: TrainRestorationParams, workspace: Workspace, resuming: bool) -> Prepared:
    from backend.registry.shared import registry_at
    from backend.restoration.registered import restoration_version

    if params.start_from.strip():
        params = kept_from_start(params, workspace)
    checked = validate_train_params(params)
    if checked.teacher:
        restoration_version(registry_at(workspace.root), checked.teacher, "teacher")  # refused now, naming it
    if checked.clean:
        clean = require_existing_folder(workspace, checked.clean, field="clean")
        return Prepared(params=replace(checked, clean=str(clean)), outputs={})
    data = require_existing_folder(workspace, checked.data, field="data")
    for side in ("clean", "degraded"):
        if not (data / side).is_dir():
            raise InvalidArgument("data", f"{shown(data)} must hold clean/ and degraded/ folders; {side}/ is missing")
    return Prepared(params=replace(checked, data=str(data)), outputs={})


def kept_from_start(params: TrainRestorationParams, workspace: Workspace) -> TrainRestorationParams:
    """A fine-tuning run trains its starting version's network: the layer and preset are that version's, filled
    when not given (0, "") and refused when they name another. Its tier, and for clean images its domain, are
    the start's unless given."""
    from backend.registry.shared import registry_at
    from backend.restoration.registered import restoration_version

    name = params.start_from.strip()
    start = restoration_version(registry_at(workspace.root), name, "start_from")
    # the network itself comes from its weights file: the preset of that name may have changed since (archs)
    layer, preset = layer_and_preset(start.layer, str(start.card.get("preset", "")))
    if params.layer and params.layer != layer:
        raise InvalidArgument("layer", f"{name} is a layer {layer} network and fine-tuning keeps it: leave layer out")
    given = (params.preset or "").strip().lower()
    if preset and given and given != preset:
        raise InvalidArgument("preset", f"{name} is a {preset} network and fine-tuning keeps it: leave preset out")
    tier = params.tier or start.tier
    domain = params.domain or (str(start.card.get("domain") or "") if params.clean else "")
    return replace(params, start_from=name, layer=layer, preset=preset or given, tier=tier, domain=domain)


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
