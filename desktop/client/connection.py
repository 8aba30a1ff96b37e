"""The connection to one backend: owns the channel, adds the token, sets a deadline on every unary
call and turns ``RpcError`` into ``BackendError``. Streams (``watch_*``) have no deadline but can be
cancelled, and ``follow_job`` reconnects after a dropped stream without missing or repeating events."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from desktop.client.errors import BackendError
from protos.omni.v1 import (
    artifacts_pb2,
    artifacts_pb2_grpc,
    jobs_pb2,
    jobs_pb2_grpc,
    models_pb2,
    models_pb2_grpc,
    reports_pb2,
    reports_pb2_grpc,
    synthetic_pb2,
    synthetic_pb2_grpc,
    system_pb2,
    system_pb2_grpc,
)

DEFAULT_DEADLINE_S = 15.0
RECONNECT_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)
T = TypeVar("T")

TERMINAL_STATES = frozenset(
    {
        jobs_pb2.JOB_STATE_SUCCEEDED,
        jobs_pb2.JOB_STATE_FAILED,
        jobs_pb2.JOB_STATE_CANCELLED,
        jobs_pb2.JOB_STATE_INTERRUPTED,
    }
)


@dataclass(frozen=True)
class BackendTarget:
    """Where a backend listens and how to talk to it."""

    address: str  # host:port
    token: str = ""
    tls: bool = False
    tls_ca: Path | None = None  # PEM of the CA that signed the server's certificate; implies tls

    @property
    def secure(self) -> bool:
        return self.tls or self.tls_ca is not None


def state_name(state: int) -> str:
    return jobs_pb2.JobState.Name(state).removeprefix("JOB_STATE_").lower()


class Connection:
    def __init__(self, target: BackendTarget, *, deadline_s: float = DEFAULT_DEADLINE_S) -> None:
        self.target = target
        self.deadline_s = deadline_s
        options = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
        if target.secure:
            ca = target.tls_ca.read_bytes() if target.tls_ca else None
            self.channel = grpc.secure_channel(target.address, grpc.ssl_channel_credentials(ca), options=options)
        else:
            self.channel = grpc.insecure_channel(target.address, options=options)
        self._metadata = (("authorization", f"Bearer {target.token}"),) if target.token else ()
        self.jobs = jobs_pb2_grpc.JobsStub(self.channel)
        self.system = system_pb2_grpc.SystemStub(self.channel)
        self.synthetic = synthetic_pb2_grpc.SyntheticStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)
        self.models = models_pb2_grpc.ModelsStub(self.channel)
        self.reports = reports_pb2_grpc.ReportsStub(self.channel)
        self.artifacts = artifacts_pb2_grpc.ArtifactsStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------------------

    def _call(self, method: Callable[..., T], request: Any, timeout: float | None = None) -> T:
        try:
            return method(request, timeout=timeout or self.deadline_s, metadata=self._metadata)
        except grpc.RpcError as error:
            raise BackendError.from_rpc(error, self.target.address) from None

    def _stream(self, method: Callable[..., Any], request: Any) -> Iterator[Any]:
        call = method(request, metadata=self._metadata)
        try:
            yield from call
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.CANCELLED:
                return
            raise BackendError.from_rpc(error, self.target.address) from None
        finally:
            call.cancel()

    # -- health and system --------------------------------------------------------------------------

    def wait_ready(self, timeout_s: float = 10.0) -> None:
        """Block until the backend's health check says SERVING, or raise BackendError."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            try:
                reply = self.health.Check(
                    health_pb2.HealthCheckRequest(), timeout=max(0.1, min(remaining, 2.0)), wait_for_ready=True
                )
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError as error:
                if remaining <= 0:
                    raise BackendError.from_rpc(error, self.target.address) from None
            if remaining <= 0:
                raise BackendError("UNAVAILABLE", f"the backend at {self.target.address} is not serving")
            time.sleep(0.05)

    def system_info(self) -> system_pb2.SystemInfo:
        return self._call(self.system.GetSystemInfo, system_pb2.GetSystemInfoRequest())

    # -- jobs -----------------------------------------------------------------------------------------

    def submit(self, spec: jobs_pb2.JobSpec, labels: dict[str, str] | None = None) -> jobs_pb2.Job:
        return self._call(self.jobs.SubmitJob, jobs_pb2.SubmitJobRequest(spec=spec, labels=labels or {}))

    def get_job(self, job_id: str) -> jobs_pb2.Job:
        return self._call(self.jobs.GetJob, jobs_pb2.GetJobRequest(job_id=job_id))

    def list_jobs(
        self, *, states: list[Any] | None = None, kinds: list[str] | None = None, limit: int = 100
    ) -> list[jobs_pb2.Job]:
        """Newest first, following pages until ``limit`` jobs."""
        jobs: list[jobs_pb2.Job] = []
        token = ""
        while len(jobs) < limit:
            request = jobs_pb2.ListJobsRequest(
                states=states or [], kinds=kinds or [], page_size=min(1000, limit - len(jobs)), page_token=token
            )
            reply = self._call(self.jobs.ListJobs, request)
            jobs.extend(reply.jobs)
            token = reply.next_page_token
            if not token:
                break
        return jobs

    def cancel_job(self, job_id: str) -> jobs_pb2.Job:
        return self._call(self.jobs.CancelJob, jobs_pb2.CancelJobRequest(job_id=job_id))

    def resume_job(self, job_id: str) -> jobs_pb2.Job:
        return self._call(self.jobs.ResumeJob, jobs_pb2.ResumeJobRequest(job_id=job_id))

    def watch_job(self, job_id: str, after_seq: int = 0) -> Iterator[jobs_pb2.JobEvent]:
        """One stream of events; ends after the job's last event. Raises BackendError if dropped."""
        for batch in self._stream(self.jobs.WatchJob, jobs_pb2.WatchJobRequest(job_id=job_id, after_seq=after_seq)):
            yield from batch.events

    def follow_job(
        self, job_id: str, after_seq: int = 0, *, should_stop: Callable[[], bool] = lambda: False
    ) -> Iterator[jobs_pb2.JobEvent]:
        """Every event after ``after_seq`` until the job ends, reconnecting if the stream drops."""
        attempt = 0
        while not should_stop():
            try:
                for event in self.watch_job(job_id, after_seq):
                    after_seq = event.seq
                    attempt = 0
                    yield event
                    if should_stop():
                        return
                return
            except BackendError as error:
                if error.code not in ("UNAVAILABLE", "INTERNAL", "UNKNOWN") or attempt >= len(RECONNECT_DELAYS_S) * 4:
                    raise
                time.sleep(RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)])
                attempt += 1

    def watch_jobs(self, *, limit: int = 200) -> Iterator[jobs_pb2.JobUpdate]:
        return self._stream(self.jobs.WatchJobs, jobs_pb2.WatchJobsRequest(limit=limit))

    # -- synthetic data -------------------------------------------------------------------------------

    def describe_synthetic(self) -> synthetic_pb2.DescribeSyntheticResponse:
        return self._call(self.synthetic.DescribeSynthetic, synthetic_pb2.DescribeSyntheticRequest())

    def preview_restoration(
        self, spec: synthetic_pb2.SynthRestorationSpec, index: int = 0
    ) -> synthetic_pb2.PreviewRestorationResponse:
        request = synthetic_pb2.PreviewRestorationRequest(spec=spec, index=index)
        return self._call(self.synthetic.PreviewRestoration, request, timeout=60)

    def preview_detection(
        self, spec: synthetic_pb2.SynthDetectionSpec, index: int = 0
    ) -> synthetic_pb2.PreviewDetectionResponse:
        request = synthetic_pb2.PreviewDetectionRequest(spec=spec, index=index)
        return self._call(self.synthetic.PreviewDetection, request, timeout=60)

    # -- models -----------------------------------------------------------------------------------------

    def list_models(self, *, kind: str = "", layer: str = "") -> list[models_pb2.ModelVersion]:
        return list(self._call(self.models.ListModels, models_pb2.ListModelsRequest(kind=kind, layer=layer)).models)

    def get_model(self, version: str) -> models_pb2.ModelVersion:
        return self._call(self.models.GetModel, models_pb2.GetModelRequest(version=version))

    def promote_model(self, version: str) -> models_pb2.ModelVersion:
        return self._call(self.models.PromoteModel, models_pb2.PromoteModelRequest(version=version))

    def delete_model(self, version: str) -> None:
        self._call(self.models.DeleteModel, models_pb2.DeleteModelRequest(version=version))

    def compare_models(self, a: str, b: str) -> models_pb2.CompareModelsResponse:
        return self._call(self.models.CompareModels, models_pb2.CompareModelsRequest(a=a, b=b))

    # -- reports ----------------------------------------------------------------------------------------

    def list_reports(self, *, kind: str = "") -> list[reports_pb2.ReportSummary]:
        return list(self._call(self.reports.ListReports, reports_pb2.ListReportsRequest(kind=kind)).reports)

    def get_report(self, report_id: str, fmt: str = "text") -> str:
        request = reports_pb2.GetReportRequest(report_id=report_id, format=fmt)
        return self._call(self.reports.GetReport, request).content

    # -- artifacts --------------------------------------------------------------------------------------

    def read_artifact(self, key: str) -> bytes:
        """The whole object, checked against the SHA-256 the backend sends with the last chunk."""
        import hashlib

        parts, digest, expected = [], hashlib.sha256(), ""
        for chunk in self._stream(self.artifacts.ReadArtifact, artifacts_pb2.ReadArtifactRequest(key=key)):
            parts.append(chunk.data)
            digest.update(chunk.data)
            expected = chunk.sha256 or expected
        if expected and digest.hexdigest() != expected:
            raise BackendError("DATA_LOSS", f"{key}: checksum mismatch after download")
        return b"".join(parts)

    def get_artifact_text(self, key: str) -> str:
        return self.read_artifact(key).decode()
