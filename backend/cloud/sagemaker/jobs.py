"""``train_sagemaker`` as a job kind: checked and planned when submitted, dispatched in a worker process.

Both trainings follow the same path in the cloud (``_in_the_cloud``: upload, launch or re-attach, follow); what
differs is the report and the registration, which are the local kinds' own.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from backend.cloud.sagemaker.params import DETECTION, WEIGHTS_CHANNELS, SageMakerTrainParams
from backend.cloud.sagemaker.plan import DispatchPlan, endpoint_override, plan_dispatch
from backend.jobs.context import JobContext
from backend.jobs.kind import JobKind, Prepared
from backend.jobs.outcome import RunEnd
from backend.workspace import Workspace
from omni_core.errors import FailedPrecondition


def prepare(params: SageMakerTrainParams, workspace: Workspace, resuming: bool) -> Prepared:
    """Everything is checked before anything is uploaded: the training (as a local run), target, remote,
    credentials. The SageMaker job's name is fixed here and kept by a resume (re-attach, never relaunch)."""
    plan = plan_dispatch(params, workspace, resuming=resuming, environ_endpoint=endpoint_override())
    training = dataclasses.asdict(plan.training)
    field = "detection" if plan.kind == DETECTION else "restoration"
    checked = dataclasses.replace(params, **{field: training}, training_job_name=plan.job_name)
    return Prepared(params=checked, outputs={})


def _stopped(ctx: JobContext, plan: DispatchPlan) -> tuple[str, str]:
    if ctx.stop_reason == "interrupted":
        why = f"the backend stopped; SageMaker job {plan.job_name} keeps running and is followed again on restart"
        return "interrupted", why
    return "cancelled", f"cancelled on request; SageMaker was asked to stop {plan.job_name}"


def _in_the_cloud(
    plan: DispatchPlan,
    workspace: Workspace,
    ctx: JobContext,
    report: dict[str, Any],
    local: dict[str, Path] | None = None,
) -> Path:
    """Upload, launch or re-attach, follow to the end; the unpacked model archive of a completed job."""
    from backend.cloud.sagemaker.client import clients
    from backend.cloud.sagemaker.dispatch import fetch_model, follow, launch_or_attach, sagemaker_card
    from backend.storage.remote import require_remote

    store = require_remote(workspace.state_dir)
    aws = clients(plan.remote, workspace.state_dir, plan.target.region, endpoint_override())
    launch_or_attach(plan, aws.sagemaker, store, ctx, local)
    status = follow(plan, aws, ctx)
    card = sagemaker_card(plan, status)
    report["sagemaker"] = card["sagemaker"]
    ctx.set_output("billable_seconds", str(status.billable_seconds))
    ctx.set_output("spot_saving", f"{status.spot_saving:.0%}")
    if status.status != "Completed":
        why = status.failure_reason or "SageMaker gave no reason"
        raise FailedPrecondition(f"SageMaker job {plan.job_name} {status.status.lower()}: {why}")
    return fetch_model(plan, status, store, ctx.scratch_dir)


def _first_report(report: dict[str, Any], plan: DispatchPlan) -> None:
    report["title"] += " (on SageMaker)"
    report["sagemaker"] = {
        "training_job_name": plan.job_name,
        "estimate": plan.estimate.describe(),
        "instance_type": plan.target.instance_type,
        "spot": plan.target.spot,
    }


def run(params: SageMakerTrainParams, ctx: JobContext) -> dict[str, Any]:
    workspace = Workspace(ctx.workspace_root)
    plan = plan_dispatch(params, workspace, resuming=True, environ_endpoint=endpoint_override())
    result = _run_detection(plan, workspace, ctx) if plan.kind == DETECTION else _run_restoration(plan, workspace, ctx)
    from backend.sync.auto_push import push_after_training

    push_after_training(ctx, result["model_version"])
    return {**result, "sagemaker_job": plan.job_name}


def _run_restoration(plan: DispatchPlan, workspace: Workspace, ctx: JobContext) -> dict[str, Any]:
    from backend.cloud.sagemaker.dispatch import sagemaker_card_of
    from backend.restoration.archs import preset_for
    from backend.restoration.run import domain_card, finish_report, new_report, real_images_section, register_trained
    from backend.restoration.trained import load_trained
    from backend.restoration.trainer import TrainOutcome

    training, started = plan.training, time.time()
    report = new_report(training, ctx)
    _first_report(report, plan)
    outcome = TrainOutcome(config=preset_for(training.layer, training.preset))
    ended = RunEnd()
    try:
        with ended.recording(lambda: _stopped(ctx, plan)):
            trained = load_trained(_in_the_cloud(plan, workspace, ctx, report, _restoration_weights(training, ctx)))
            outcome = trained.outcome
            report.update(trained.sections)
            card = domain_card(training) | sagemaker_card_of(report)
            report["model"] = register_trained(training, outcome, trained.fingerprint, ctx, extra_card=card)
            report["comparison"] = report["model"].pop("comparison", None)
            report["real_images"] = real_images_section(outcome, ctx, whitened=training.whiten_paper)
    finally:
        finish_report(report, outcome, training, ctx, ended.state, ended.error, started)
    return {"model_version": report["model"]["version"]}


def _restoration_weights(training: Any, ctx: JobContext) -> dict[str, Path]:
    """The registered weights a run builds on, by upload: a fine-tuning run's start and a distilled run's
    teacher, each going up as its channel's model.pt."""
    from backend.registry.shared import registry_at
    from backend.restoration.registered import restoration_version
    from backend.storage.local import local_file

    files = {}
    for field, channel in WEIGHTS_CHANNELS.items():  # the plan's uploads are named after their channels
        if version := getattr(training, field):
            model = restoration_version(registry_at(ctx.workspace_root), version, field)
            files[channel] = local_file(ctx.store, model.files["weights"], ctx.scratch_dir)
    return files


def _run_detection(plan: DispatchPlan, workspace: Workspace, ctx: JobContext) -> dict[str, Any]:
    from backend.cloud.sagemaker.dispatch import sagemaker_card_of
    from backend.detection import netguard, ultralytics_env
    from backend.detection.callbacks import TrainProgress
    from backend.detection.data_source import EXPORT_FOLDER, prepare_data
    from backend.detection.models import starting_point
    from backend.detection.registration import register_run
    from backend.detection.report import finish_report, new_report
    from backend.detection.trained import load_trained
    from backend.registry.shared import registry_at
    from backend.storage.local import local_file

    netguard.install_from_env()
    ultralytics_env.prepare(ctx.workspace_root)  # the ONNX export of the returned model runs here
    training, started = plan.training, time.time()
    report = new_report(training, ctx)
    _first_report(report, plan)
    progress = TrainProgress()
    ended = RunEnd()
    try:
        with ended.recording(lambda: _stopped(ctx, plan)):
            prepared = prepare_data(training, ctx)
            folder = ctx.scratch_dir / EXPORT_FOLDER if training.dataset else Path(training.data).parent
            _all_inside(prepared.check.splits, folder)
            report["data"] = {"source": prepared.source, **prepared.check.to_report()}
            point = starting_point(workspace, registry_at(ctx.workspace_root), training.model)
            local = {"dataset": folder, "data": folder}
            if point.kind == "version":  # its weights go up as the start channel's model.pt
                local["start"] = local_file(ctx.store, point.weights_key, ctx.scratch_dir)
            result, progress = load_trained(_in_the_cloud(plan, workspace, ctx, report, local))
            card = sagemaker_card_of(report)
            report["model"], report["comparison"], extra = register_run(
                training, point, result, prepared, progress, ctx, extra_card=card
            )
            report.update(extra)
    finally:
        finish_report(report, progress, ctx, ended.state, ended.error, started)
    return {"model_version": report["model"]["version"]}


def _all_inside(splits: dict[str, Any], folder: Path) -> None:
    """SageMaker gets the data.yaml's folder: every image it trains on must be in it."""
    root = folder.resolve()
    for name, split in splits.items():
        for image in split.images:
            if not Path(image).resolve().is_relative_to(root):
                raise FailedPrecondition(
                    f"{name} image {image} is outside {folder}; SageMaker receives only the data.yaml's folder",
                    field="data",
                )


TRAIN_SAGEMAKER = JobKind(
    name="train_sagemaker",
    params_type=SageMakerTrainParams,
    prepare=prepare,
    run="backend.cloud.sagemaker.jobs:run",
    resumable=True,
    reattach_on_start=True,
    description="train on AWS SageMaker and register the result here",
)
