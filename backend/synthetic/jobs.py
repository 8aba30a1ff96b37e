"""Synthetic data generation as job kinds: checks run at submit time, generation in the worker."""

from __future__ import annotations

from pathlib import Path

from backend.jobs.context import JobContext, confinement_of
from backend.jobs.kind import JobKind, Prepared
from backend.storage.local import LocalStore
from backend.synthetic.params import (
    SynthDetectionParams,
    SynthRestorationParams,
    validate_detection,
    validate_restoration,
)
from backend.workspace import Workspace, require_empty_folder, require_existing_folder
from omni_core.partial import TEMP_SUFFIX


def _prepare_out(out: str, workspace: Workspace, resuming: bool) -> Path:
    path = workspace.resolve_user_path(out, field="out")
    if not resuming:
        require_empty_folder(path, field="out")
    return path


def prepare_restoration(params: SynthRestorationParams, workspace: Workspace, resuming: bool) -> Prepared:
    checked = validate_restoration(params)
    out = _prepare_out(checked.out, workspace, resuming)
    source = str(require_existing_folder(workspace, checked.source, field="source")) if checked.source else ""
    checked = SynthRestorationParams(**{**checked.__dict__, "out": str(out), "source": source})
    return Prepared(params=checked, outputs={"out": str(out)})


def prepare_detection(params: SynthDetectionParams, workspace: Workspace, resuming: bool) -> Prepared:
    checked = validate_detection(params)
    out = _prepare_out(checked.out, workspace, resuming)
    checked = SynthDetectionParams(**{**checked.__dict__, "out": str(out)})
    return Prepared(params=checked, outputs={"out": str(out)})


def _drop_partials(out: str, ctx: JobContext) -> None:
    """A worker killed mid-write leaves a hidden temp file; a resume removes them before it starts. The folder
    is checked again first: it may have become a link out of a confined backend's workspace since."""
    confinement_of(ctx).resolve(out, "out")
    if not ctx.resumed_from:
        return
    for partial in Path(out).rglob(f"*{TEMP_SUFFIX}"):
        partial.unlink(missing_ok=True)


def run_restoration(params: SynthRestorationParams, ctx: JobContext) -> dict[str, object]:
    _drop_partials(params.out, ctx)
    if params.source:
        from backend.synthetic.from_images import generate_from_images

        return generate_from_images(params, LocalStore(Path(params.out)), ctx)
    from backend.synthetic.restoration import generate_restoration

    return generate_restoration(params, LocalStore(Path(params.out)), ctx)


def run_detection(params: SynthDetectionParams, ctx: JobContext) -> dict[str, object]:
    from backend.synthetic.detection import generate_detection

    _drop_partials(params.out, ctx)
    return generate_detection(params, LocalStore(Path(params.out)), ctx)


SYNTH_RESTORATION = JobKind(
    name="synth_restoration",
    params_type=SynthRestorationParams,
    prepare=prepare_restoration,
    run="backend.synthetic.jobs:run_restoration",
    resumable=True,
    description="clean/degraded pairs for restoration training: rendered documents, or your own images degraded",
)

SYNTH_DETECTION = JobKind(
    name="synth_detection",
    params_type=SynthDetectionParams,
    prepare=prepare_detection,
    run="backend.synthetic.jobs:run_detection",
    resumable=True,
    description="YOLO-format scenes with damage objects for detection training",
)
