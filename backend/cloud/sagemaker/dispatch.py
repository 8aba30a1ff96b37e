"""A SageMaker dispatch as a job of this backend: upload, launch (or re-attach), follow, fetch, register.

Launching is idempotent: the SageMaker job's name is fixed when this backend's job is first queued and kept by
a resume, so a restarted backend finds the job it launched (DescribeTrainingJob) and follows it instead of
launching a second one. A person's cancel stops the SageMaker job; a backend that is stopping leaves it
running and re-attaches when it starts again.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from backend.cloud.sagemaker.client import Clients, api_error, error_code
from backend.cloud.sagemaker.monitor import TrainingStatus, metric_points, read_status, transition_lines
from backend.cloud.sagemaker.plan import DispatchPlan
from backend.jobs.context import JobContext
from backend.storage.s3 import S3Store
from omni_core.errors import FailedPrecondition, JobCancelled

#: how often a running job is described (DescribeTrainingJob allows about 1 call per second per account);
#: ``OMNI_SAGEMAKER_POLL_SECONDS`` changes it (tests poll a local stand-in quickly)
POLL_SECONDS = 15.0
POLL_VARIABLE = "OMNI_SAGEMAKER_POLL_SECONDS"
UPLOAD_THREADS = 8


def poll_seconds() -> float:
    try:
        return max(0.1, float(os.environ.get(POLL_VARIABLE, POLL_SECONDS)))
    except ValueError:
        return POLL_SECONDS


def _cancel_wait(ctx: JobContext, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and not ctx.cancelled:
        time.sleep(min(0.25, end - time.monotonic()))


def _describe(sagemaker: Any, name: str) -> dict[str, Any] | None:
    try:
        return sagemaker.describe_training_job(TrainingJobName=name)  # type: ignore[no-any-return]
    except ClientError as error:
        message = str(error).lower()  # AWS: "Requested resource not found"; moto: "Could not find training job"
        if error_code(error) == "ValidationException" and ("not found" in message or "could not find" in message):
            return None
        raise api_error(error, f"describing SageMaker job {name}") from None
    except BotoCoreError as error:
        raise api_error(error, f"describing SageMaker job {name}") from None


def _upload_folder(store: S3Store, folder: Path, prefix: str, ctx: JobContext) -> int:
    files = sorted(path for path in folder.rglob("*") if path.is_file() and not path.is_symlink())
    ctx.progress(0, len(files), unit="files", message=f"uploading {folder.name} to the remote")
    with ThreadPoolExecutor(UPLOAD_THREADS, thread_name_prefix="sm-upload") as pool:
        futures = [pool.submit(store.put_file, prefix + path.relative_to(folder).as_posix(), path) for path in files]
        for done, future in enumerate(futures, 1):
            future.result()
            ctx.check_cancelled()
            ctx.progress(done, len(files), unit="files", message=f"uploading {folder.name} to the remote")
    return len(files)


def _upload(plan: DispatchPlan, store: S3Store, ctx: JobContext, local: Mapping[str, Path]) -> None:
    """``local``: where an upload's files are on this machine when the plan's source does not say (a dataset's
    export, a registered version's weights)."""
    for item in plan.uploads:
        ctx.check_cancelled()
        if item.what == "source":
            if not store.exists(item.key):
                store.put_bytes(item.key, plan.source.data, expected_sha256=plan.source.sha256)
            ctx.log(f"code: {item.uri} ({len(plan.source.data) // 1024} KiB, sha256 {plan.source.sha256[:12]})")
        elif item.what in ("pairs", "clean", "data", "dataset"):
            count = _upload_folder(store, local.get(item.what) or Path(item.source), item.key, ctx)
            ctx.log(f"data: {count} files to {item.uri}")
        elif item.what in ("start", "teacher"):
            store.put_file(item.key, local.get(item.what) or Path(item.source))
            ctx.log(f"{'starting model' if item.what == 'start' else 'teacher'} {item.source}: {item.uri}")
        else:
            why = f"sending {item.source} to SageMaker is not available in this version"
            raise FailedPrecondition(f"{item.what}: {why}")


def launch_or_attach(
    plan: DispatchPlan, sagemaker: Any, store: S3Store, ctx: JobContext, local: Mapping[str, Path] | None = None
) -> None:
    name = plan.job_name
    ctx.set_output("sagemaker_job", name)
    existing = _describe(sagemaker, name)
    if existing is not None:
        ctx.log(f"SageMaker job {name} exists ({existing.get('TrainingJobStatus')}): following it, not launching again")
        return
    _upload(plan, store, ctx, local or {})
    ctx.check_cancelled()
    try:
        arn = sagemaker.create_training_job(**plan.request)["TrainingJobArn"]
    except (ClientError, BotoCoreError) as error:
        raise api_error(error, f"creating SageMaker job {name}") from None
    spot = " with Spot" if plan.target.spot else ""
    ctx.log(f"launched SageMaker job {name} ({arn}) on {plan.target.instance_type}{spot}")


def _stop(sagemaker: Any, name: str, ctx: JobContext) -> None:
    try:
        sagemaker.stop_training_job(TrainingJobName=name)
        ctx.log(f"asked SageMaker to stop {name}")
    except (ClientError, BotoCoreError) as error:
        ctx.log(
            f"StopTrainingJob failed for {name} ({api_error(error, 'stopping').message}); "
            "it may still run: stop it in the SageMaker console",
            level="error",
        )


class LogFollower:
    """New CloudWatch lines of the job's streams: each becomes a log line, the entry point's metric lines metrics."""

    GROUP = "/aws/sagemaker/TrainingJobs"

    def __init__(self, logs: Any, name: str) -> None:
        self.logs, self.name = logs, name
        self.tokens: dict[str, str] = {}
        self.warned = False

    def poll(self, ctx: JobContext) -> None:
        try:
            streams = self.logs.describe_log_streams(logGroupName=self.GROUP, logStreamNamePrefix=f"{self.name}/")
            for stream in streams.get("logStreams", []):
                self._read(stream["logStreamName"], ctx)
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException" and not self.warned:
                self.warned = True
                ctx.log(f"cannot read the job's CloudWatch logs: {api_error(error, 'reading logs').message}", "warning")
        except BotoCoreError as error:
            if not self.warned:
                self.warned = True
                ctx.log(f"cannot read the job's CloudWatch logs: {error}", level="warning")

    def _read(self, stream: str, ctx: JobContext) -> None:
        while True:
            options: dict[str, Any] = {"logGroupName": self.GROUP, "logStreamName": stream, "startFromHead": True}
            if stream in self.tokens:
                options["nextToken"] = self.tokens[stream]
            page = self.logs.get_log_events(**options)
            for event in page.get("events", []):
                message = str(event.get("message", "")).rstrip()
                points = metric_points(message)
                for point in points:
                    ctx.metric(point.name, point.value, step=point.step, epoch=point.epoch)
                if not points:
                    ctx.log(message)
            token = page.get("nextForwardToken", "")
            if not token or token == self.tokens.get(stream):
                return
            self.tokens[stream] = token


def follow(plan: DispatchPlan, aws: Clients, ctx: JobContext) -> TrainingStatus:
    """Describe the job until it ends; transitions and log lines become events. A cancel stops the cloud job."""
    name, seen, last_secondary = plan.job_name, 0, ""
    sagemaker = aws.sagemaker
    reader = LogFollower(aws.logs, name)
    while True:
        if ctx.cancelled:
            if ctx.stop_reason == "cancelled":
                _stop(aws.quick, name, ctx)
            else:
                ctx.log(f"this backend is stopping; SageMaker job {name} keeps running and is re-attached on restart")
            raise JobCancelled(f"SageMaker job {name}: {ctx.stop_reason}")
        described = _describe(sagemaker, name)
        if described is None:
            raise FailedPrecondition(f"SageMaker job {name} no longer exists (deleted outside this backend?)")
        for line in transition_lines(described, seen):
            ctx.log(line)
        seen = len(described.get("SecondaryStatusTransitions") or [])
        status = read_status(described)
        if status.secondary != last_secondary:
            last_secondary = status.secondary
            ctx.progress(0, 0, message=f"SageMaker: {status.secondary or status.status}")
        reader.poll(ctx)
        if status.terminal:
            return status
        _cancel_wait(ctx, poll_seconds())


def fetch_model(plan: DispatchPlan, status: TrainingStatus, store: S3Store, scratch: Path) -> Path:
    """model.tar.gz from the remote, unpacked safely (no links, nothing outside the folder)."""
    if not status.model_uri.startswith("s3://"):
        raise FailedPrecondition(f"SageMaker job {plan.job_name} reported no model archive")
    bucket, _, name = status.model_uri.removeprefix("s3://").partition("/")
    key = plan.remote.key_of(bucket, name)
    if not store.exists(key):
        raise FailedPrecondition(f"SageMaker job {plan.job_name} completed but {status.model_uri} is not on the remote")
    archive = scratch / "model.tar.gz"
    store.get_file(key, archive)
    folder = Path(tempfile.mkdtemp(prefix="model-", dir=scratch))
    with tarfile.open(archive) as opened:
        opened.extractall(folder, filter="data")
    return folder


def sagemaker_card(plan: DispatchPlan, status: TrainingStatus) -> dict[str, Any]:
    return {
        "sagemaker": {
            "training_job_name": plan.job_name,
            "training_job_arn": status.arn,
            "instance_type": plan.target.instance_type,
            "instance_count": plan.target.instance_count,
            "spot": plan.target.spot,
            "region": plan.target.region,
            "image": plan.target.image,
            "training_seconds": status.training_seconds,
            "billable_seconds": status.billable_seconds,
            "spot_saving": round(status.spot_saving, 4),
            "estimate": plan.estimate.describe(),
        }
    }


def sagemaker_card_of(report: dict[str, Any]) -> dict[str, Any]:
    """The model card's SageMaker section: what the report recorded of the finished job."""
    return {"sagemaker": dict(report["sagemaker"])}
