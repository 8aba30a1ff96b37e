"""A stand-in for AWS in this process: moto's server on a thread (real HTTP: boto3 in the backend's worker
processes calls it as it would call AWS), whose training jobs stay InProgress until the test says how they end,
as a real job would. moto itself completes every job at once and runs nothing, so the test plays the cloud's
part: it finishes, fails or leaves the job running, and puts the model archive and the log lines where
SageMaker would."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.sagemaker import models as sagemaker_models

from tests.s3_servers import free_port

ACCOUNT = "123456789012"
REGION = "eu-west-1"
LOG_GROUP = "/aws/sagemaker/TrainingJobs"


@contextmanager
def running_jobs() -> Iterator[None]:
    """New training jobs start InProgress (moto's start Completed)."""
    original = sagemaker_models.FakeTrainingJob.__init__

    def starts_in_progress(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.training_job_status, self.secondary_status = "InProgress", "Training"
        self.secondary_status_transitions = [
            {"Status": "Starting", "StartTime": self.creation_time, "StatusMessage": "Preparing the instances"},
            {"Status": "Training", "StartTime": self.creation_time, "StatusMessage": "Training in progress"},
        ]

    sagemaker_models.FakeTrainingJob.__init__ = starts_in_progress  # type: ignore[method-assign]
    try:
        yield
    finally:
        sagemaker_models.FakeTrainingJob.__init__ = original  # type: ignore[method-assign]


class Cloud:
    def __init__(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)

    @property
    def url(self) -> str:
        host, port = self.server.get_host_and_port()
        return f"http://{host}:{port}"

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="testkey",
            aws_secret_access_key="testsecret",
        )

    def job(self, name: str) -> Any:
        return sagemaker_models.sagemaker_backends[ACCOUNT][REGION].training_jobs[name]

    def job_names(self) -> list[str]:
        return list(sagemaker_models.sagemaker_backends[ACCOUNT][REGION].training_jobs)

    def finish(
        self, name: str, *, status: str = "Completed", reason: str = "", training: int = 0, billable: int = 0
    ) -> None:
        job = self.job(name)
        now = datetime.datetime.now(datetime.UTC)
        job.secondary_status_transitions.append({"Status": status, "StartTime": now, "StatusMessage": reason or status})
        job.failure_reason = reason or None
        job.training_time_in_seconds = training or None
        job.billable_time_in_seconds = billable or None
        job.secondary_status = status
        job.training_job_status = status

    def log(self, name: str, lines: list[str]) -> None:
        logs = self.client("logs")
        try:
            logs.create_log_group(logGroupName=LOG_GROUP)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        stream = f"{name}/algo-1-1700000000"
        try:
            logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        now = int(datetime.datetime.now(datetime.UTC).timestamp() * 1000)
        logs.put_log_events(
            logGroupName=LOG_GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)],
        )


@contextmanager
def aws_stand_in() -> Iterator[Cloud]:
    cloud = Cloud()
    with running_jobs():
        cloud.server.start()
        try:
            yield cloud
        finally:
            cloud.server.stop()
