"""``train_sagemaker`` as a job kind: checked and planned when submitted, dispatched in a worker process."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from backend.cloud.sagemaker.params import DETECTION, SageMakerTrainParams
from backend.cloud.sagemaker.plan import endpoint_override, plan_dispatch
from backend.errors import FailedPrecondition, JobCancelled, OmniError
from backend.jobs.context import JobContext
from backend.jobs.kind import JobKind, Prepared
from backend.workspace import Workspace


def prepare(params: SageMakerTrainParams, workspace: Workspace, resuming: bool) -> Prepared:
    """Everything is checked before anything is uploaded: the training (as a local run), target, remote,
    credentials. The SageMaker job's name is fixed here and kept by a resume (re-attach, never relaunch)."""
    plan = plan_dispatch(params, workspace, resuming=resuming, environ_endpoint=endpoint_override())
    if plan.kind == DETECTION:
        raise FailedPrecondition(
            "detection: training a detector on SageMaker is not available in this version "
            "(omni train detection --target sagemaker --dry-run shows its plan)"
        )
    checked = dataclasses.replace(
        params, restoration=dataclasses.asdict(plan.training), training_job_name=plan.job_name
    )
    return Prepared(params=checked, outputs={})


def run(params: SageMakerTrainParams, ctx: JobContext) -> dict[str, Any]:
    from backend.cloud.sagemaker.client import clients
    from backend.cloud.sagemaker.dispatch import fetch_model, follow, launch_or_attach, sagemaker_card
    from backend.restoration.archs import preset_for
    from backend.restoration.run import finish_report, new_report, register_trained
    from backend.restoration.trained import load_trained
    from backend.restoration.trainer import TrainOutcome
    from backend.storage.remote import require_remote
    from backend.sync.auto_push import push_after_training

    workspace = Workspace(ctx.workspace_root)
    plan = plan_dispatch(params, workspace, resuming=True, environ_endpoint=endpoint_override())
    training = plan.training
    started = time.time()
    report = new_report(training, ctx)
    report["title"] += " (on SageMaker)"
    report["sagemaker"] = {"training_job_name": plan.job_name, "estimate": plan.estimate.describe(),
                           "instance_type": plan.target.instance_type, "spot": plan.target.spot}
    outcome = TrainOutcome(config=preset_for(training.layer, training.preset))
    state, error = "succeeded", ""
    try:
        store = require_remote(workspace.state_dir)
        aws = clients(plan.remote, workspace.state_dir, plan.target.region, endpoint_override())
        launch_or_attach(plan, aws.sagemaker, store, ctx)
        status = follow(plan, aws, ctx)
        card = sagemaker_card(plan, status)
        report["sagemaker"] = card["sagemaker"]
        ctx.set_output("billable_seconds", str(status.billable_seconds))
        ctx.set_output("spot_saving", f"{status.spot_saving:.0%}")
        if status.status != "Completed":
            why = status.failure_reason or "SageMaker gave no reason"
            raise FailedPrecondition(f"SageMaker job {plan.job_name} {status.status.lower()}: {why}")
        trained = load_trained(fetch_model(plan, status, store, ctx.scratch_dir))
        outcome = trained.outcome
        report["data"] = trained.data
        report["model"] = register_trained(training, outcome, trained.fingerprint, ctx, extra_card=card)
        report["comparison"] = report["model"].pop("comparison", None)
    except JobCancelled:
        interrupted = ctx.stop_reason == "interrupted"
        state = "interrupted" if interrupted else "cancelled"
        error = (
            f"the backend stopped; SageMaker job {plan.job_name} keeps running and is followed again on restart"
            if interrupted
            else f"cancelled on request; SageMaker was asked to stop {plan.job_name}"
        )
        raise
    except OmniError as failure:
        state, error = "failed", failure.message
        raise
    except BaseException as failure:
        state, error = "failed", f"{type(failure).__name__}: {failure}"
        raise
    finally:
        finish_report(report, outcome, training, ctx, state, error, started)
    version = report["model"]["version"]
    push_after_training(ctx, version)
    return {"model_version": version, "sagemaker_job": plan.job_name}


TRAIN_SAGEMAKER = JobKind(
    name="train_sagemaker",
    params_type=SageMakerTrainParams,
    prepare=prepare,
    run="backend.cloud.sagemaker.jobs:run",
    resumable=True,
    reattach_on_start=True,
    description="train on AWS SageMaker and register the result here",
)
