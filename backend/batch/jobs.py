"""Batch restoration as a job kind: folders and model checked in the server at submit time, the run in
a worker process (``backend.batch.local``)."""

from __future__ import annotations

from dataclasses import replace

from backend.batch.models import resolve_model
from backend.batch.precision import check_precision
from backend.jobs.context import JobContext
from backend.jobs.kind import JobKind, Prepared
from backend.registry.shared import open_registry
from backend.workspace import Workspace, require_existing_folder
from omni_core.batch.formats import SUMMARY_JSON
from omni_core.batch.params import RestoreBatchParams, check_params
from omni_core.batch.plan import check_folders


def prepare_restore_batch(params: RestoreBatchParams, workspace: Workspace, resuming: bool) -> Prepared:
    checked = check_params(params)
    source = require_existing_folder(workspace, checked.input, field="input")
    out = workspace.resolve_user_path(checked.out, field="out")
    check_folders(source, out, recursive=checked.recursive)
    ref = str(require_existing_folder(workspace, checked.ref, field="ref")) if checked.ref else ""
    registry = open_registry(workspace.store, workspace.state_dir)
    chosen = resolve_model(registry, checked.model, checked.layer, checked.tier)
    check_precision(chosen.model, checked.precision)
    # the version is fixed now, so a resumed run uses the same model even if another is promoted since;
    # a resumed run never redoes what the first one wrote
    checked = replace(
        checked,
        input=str(source),
        out=str(out),
        ref=ref,
        model=chosen.model.version,
        tier="",
        overwrite=checked.overwrite and not resuming,
    )
    outputs = {"out": str(out), "model": chosen.model.version, "summary": str(out / SUMMARY_JSON)}
    if chosen.note:
        outputs["model_note"] = chosen.note
    return Prepared(params=checked, outputs=outputs)


def run_restore_batch(params: RestoreBatchParams, ctx: JobContext) -> dict[str, object]:
    from backend.batch.local import restore_folder

    return restore_folder(params, ctx)


RESTORE_BATCH = JobKind(
    name="restore_batch",
    params_type=RestoreBatchParams,
    prepare=prepare_restore_batch,
    run="backend.batch.jobs:run_restore_batch",
    resumable=True,
    description="restore a folder of images with a registered restoration model (ONNX Runtime)",
)
