"""A detection training job from start to finish: data, starting model, Ultralytics training, ONNX export,
registry, report. The report is written whatever happens (succeeded, failed, cancelled, interrupted).

Worker processes only; Ultralytics is made offline before it is imported.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from backend.detection import netguard, ultralytics_env
from backend.detection.callbacks import TrainProgress
from backend.detection.data_source import PreparedData, existing_data, prepare_data
from backend.detection.models import StartingPoint, starting_point
from backend.detection.params import TrainDetectionParams
from backend.detection.registration import register_run
from backend.detection.report import finish_report, new_report
from backend.jobs.context import JobContext, confinement_of
from backend.jobs.outcome import RunEnd, local_stop
from backend.registry.shared import registry_at
from backend.storage.local import local_file
from backend.sync.auto_push import push_after_training
from backend.workspace import Workspace

RUN_FOLDER = "run"


def _model_argument(point: StartingPoint, ctx: JobContext) -> str:
    """What the trainer's ``model`` is: an architecture name/path, or a checked local detector .pt."""
    from backend.detection.checkpoint import inspect

    if point.kind == "yaml":
        return point.value
    path = Path(point.value) if point.kind == "weights" else local_file(ctx.store, point.weights_key, ctx.scratch_dir)
    info = inspect(path)
    ctx.log(f"starting from {point.value}: {info.architecture}, {info.parameters:,} parameters, classes {info.names}")
    return str(path)


def run_training(params: TrainDetectionParams, ctx: JobContext) -> dict[str, Any]:
    started = time.time()
    netguard.install_from_env()
    ultralytics_env.prepare(ctx.workspace_root)
    report = new_report(params, ctx)
    progress = TrainProgress()
    ended = RunEnd()
    try:
        with ended.recording(lambda: local_stop(ctx)):
            _train_and_register(params, ctx, report, progress)
    finally:
        netguard.report(ctx.log)
        finish_report(report, progress, ctx, ended.state, ended.error, started)
    version = report["model"]["version"]
    push_after_training(ctx, version)
    return {"model_version": version}


def _train_and_register(
    params: TrainDetectionParams, ctx: JobContext, report: dict[str, Any], progress: TrainProgress
) -> None:
    """Data, starting model, Ultralytics training and registration; ``report`` and ``progress`` fill as it goes."""
    from backend.detection.trainer import fresh_arguments, resume_arguments, run_result, run_trainer

    prepared: PreparedData | None = None
    save_dir = ctx.scratch_dir / RUN_FOLDER
    point = StartingPoint("resumed", params.model)
    if ctx.resumed_from:

        def fallback() -> Path:
            nonlocal prepared
            prepared = prepare_data(params, ctx)
            return prepared.yaml

        args, original = resume_arguments(ctx, params, save_dir, fallback, progress)
        if prepared is None:
            source = f"dataset {params.dataset}" if params.dataset else params.data
            prepared = existing_data(Path(str(original.get("data"))), source, ctx)
        report["resumed_at_epoch"] = progress.resumed_at_epoch
        report["trainer_arguments"] = {k: v for k, v in original.items() if isinstance(v, str | int | float | bool)}
    else:
        workspace = Workspace(ctx.workspace_root, host_paths_allowed=confinement_of(ctx).host_paths_allowed)
        point = starting_point(workspace, registry_at(ctx.workspace_root), params.model)
        prepared = prepare_data(params, ctx)
        args = fresh_arguments(params, _model_argument(point, ctx), prepared.yaml, save_dir)
        report["trainer_arguments"] = {k: v for k, v in args.items() if k not in ("project", "name")}
    report["started_from"] = {"kind": point.kind, "value": point.value}
    report["data"] = {"source": prepared.source, **prepared.check.to_report()}
    for warning in prepared.check.warnings:
        ctx.log(warning, level="warning")
    ctx.log(_data_line(prepared))
    run = run_trainer(args, ctx, progress)
    result = run_result(run, prepared.check.names)
    report["model"], report["comparison"], extra = register_run(params, point, result, prepared, progress, ctx)
    report.update(extra)


def _data_line(prepared: PreparedData) -> str:
    parts = []
    for name, split in prepared.check.splits.items():
        parts.append(f"{name} {len(split.images)} images / {sum(split.instances.values())} objects")
    return f"data ({prepared.source}): {', '.join(parts)}; classes {', '.join(prepared.check.names)}"
