"""The connection to one backend: owns the channel, adds the token, sets a deadline on every unary
call and turns ``RpcError`` into ``BackendError``. Streams (``watch_*``) have no deadline but can be
cancelled, and ``follow_job`` reconnects after a dropped stream without missing or repeating events."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from desktop.client.errors import BackendError
from desktop.client.retry import Reconnect
from protos.omni.v1 import (
    artifacts_pb2,
    artifacts_pb2_grpc,
    batch_pb2,
    batch_pb2_grpc,
    cloud_pb2,
    cloud_pb2_grpc,
    datasets_pb2,
    datasets_pb2_grpc,
    detection_pb2,
    detection_pb2_grpc,
    jobs_pb2,
    jobs_pb2_grpc,
    models_pb2,
    models_pb2_grpc,
    reports_pb2,
    reports_pb2_grpc,
    storage_pb2,
    storage_pb2_grpc,
    synthetic_pb2,
    synthetic_pb2_grpc,
    system_pb2,
    system_pb2_grpc,
    tokens_pb2,
    tokens_pb2_grpc,
    webhooks_pb2,
    webhooks_pb2_grpc,
)

DEFAULT_DEADLINE_S = 15.0
#: the backend retries an unreachable or failing remote with back-off before answering, so calls that reach
#: the remote (check, sync status, listings with include_remote) wait longer than the default
REMOTE_CHECK_DEADLINE_S = 90.0
REMOTE_LISTING_DEADLINE_S = 120.0
#: While a call is open the channel pings every KEEPALIVE_TIME_S and drops the connection when no answer comes
#: within KEEPALIVE_TIMEOUT_S, so a peer that vanished without a word (a pulled cable, a dropped VPN) fails the call
#: with UNAVAILABLE within seconds instead of leaving a stream hanging. The backend accepts pings this often
#: (backend/rpc/server.py KEEPALIVE_POLICY). After a failure the channel retries connecting at most
#: MAX_RECONNECT_BACKOFF_S apart, so it is back within seconds of the network.
KEEPALIVE_TIME_S = 5.0
KEEPALIVE_TIMEOUT_S = 5.0
MAX_RECONNECT_BACKOFF_S = 3.0
#: how soon a batch stream (restore, detect) notices its stop event while waiting for a result
STOP_POLL_S = 0.1
CHANNEL_OPTIONS = (
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.keepalive_time_ms", int(KEEPALIVE_TIME_S * 1000)),
    ("grpc.keepalive_timeout_ms", int(KEEPALIVE_TIMEOUT_S * 1000)),
    ("grpc.http2.max_pings_without_data", 0),  # a server stream sends nothing our way: keep pinging
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", int(MAX_RECONNECT_BACKOFF_S * 1000)),
)
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
        options = list(CHANNEL_OPTIONS)
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
        # every stub now, on this thread: a stub made later on a worker thread while close() runs on another makes
        # grpc register methods on a destroyed channel, which crashes the process (a CI run segfaulted so)
        self.tokens = tokens_pb2_grpc.TokensStub(self.channel)
        self.datasets = datasets_pb2_grpc.DatasetsStub(self.channel)
        self.cloud = cloud_pb2_grpc.CloudStub(self.channel)
        self.storage = storage_pb2_grpc.StorageStub(self.channel)
        self.webhooks = webhooks_pb2_grpc.WebhooksStub(self.channel)
        self.batch = batch_pb2_grpc.BatchStub(self.channel)
        self.detection = detection_pb2_grpc.DetectionStub(self.channel)
        self._job_kinds: dict[str, jobs_pb2.JobKindDescription] | None = None

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

    # -- named tokens (admin) -------------------------------------------------------------------------

    def create_token(self, name: str, role: int = tokens_pb2.ROLE_UNSPECIFIED) -> tokens_pb2.CreatedToken:
        """A new named token (``role`` an ``omni.v1.Role``; unspecified: the least); its secret is in the answer,
        once."""
        request = tokens_pb2.CreateTokenRequest(name=name, role=role)  # type: ignore[arg-type]
        return self._call(self.tokens.CreateToken, request)

    def list_tokens(self) -> list[tokens_pb2.TokenInfo]:
        return list(self._call(self.tokens.ListTokens, tokens_pb2.ListTokensRequest()).tokens)

    def revoke_token(self, name: str) -> tokens_pb2.TokenInfo:
        return self._call(self.tokens.RevokeToken, tokens_pb2.RevokeTokenRequest(name=name)).revoked

    # -- jobs -----------------------------------------------------------------------------------------

    def submit(self, spec: jobs_pb2.JobSpec, labels: dict[str, str] | None = None) -> jobs_pb2.Job:
        return self._call(self.jobs.SubmitJob, jobs_pb2.SubmitJobRequest(spec=spec, labels=labels or {}))

    def describe_job_kinds(self, kinds: Iterable[str] = ()) -> jobs_pb2.DescribeJobKindsResponse:
        """Each job kind's parameters (defaults, ranges, choices) as this backend checks them."""
        return self._call(self.jobs.DescribeJobKinds, jobs_pb2.DescribeJobKindsRequest(kinds=list(kinds)))

    def job_kinds(self) -> dict[str, jobs_pb2.JobKindDescription]:
        """The described job kinds by name, asked once per connection (the forms' defaults and limits)."""
        if self._job_kinds is None:
            self._job_kinds = {kind.kind: kind for kind in self.describe_job_kinds().kinds}
        return self._job_kinds

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
        self,
        job_id: str,
        after_seq: int = 0,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        reconnect: Reconnect | None = None,
    ) -> Iterator[jobs_pb2.JobEvent]:
        """Every event after ``after_seq`` until the job ends, reopening the stream after it drops (the default
        ``Reconnect`` policy unless given one); each event comes once, in order, whatever the drops."""
        reconnect = reconnect or Reconnect(should_stop=should_stop)
        while not should_stop():
            try:
                for event in self.watch_job(job_id, after_seq):
                    after_seq = event.seq
                    reconnect.progressed()
                    yield event
                    if should_stop():
                        return
                return
            except BackendError as error:
                if not reconnect.again(error):
                    raise

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

    def list_models(
        self, *, kind: str = "", layer: str = "", include_remote: bool = False
    ) -> list[models_pb2.ModelVersion]:
        """Versions, newest first. ``include_remote`` also lists the remote's versions, each with its
        ``location`` (FAILED_PRECONDITION without a remote)."""
        request = models_pb2.ListModelsRequest(kind=kind, layer=layer, include_remote=include_remote)
        timeout = max(self.deadline_s, REMOTE_LISTING_DEADLINE_S) if include_remote else None
        return list(self._call(self.models.ListModels, request, timeout=timeout).models)

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

    # -- datasets ---------------------------------------------------------------------------------------
    # Images are addressed by content (image_id = SHA-256). A stale save raises BackendError with code
    # "ABORTED" whose message names who saved which revision; nothing was overwritten.

    def create_dataset(self, name: str, classes: Iterable[str] = ()) -> datasets_pb2.Dataset:
        """A new dataset; no classes = dent, dirt, rust, scratch, spoiled, mold."""
        request = datasets_pb2.CreateDatasetRequest(name=name, classes=list(classes))
        return self._call(self.datasets.CreateDataset, request)

    def list_datasets(self, *, include_remote: bool = False) -> list[datasets_pb2.Dataset]:
        """Every dataset. ``include_remote`` also lists the datasets pushed to the remote, each with its
        ``location``."""
        request = datasets_pb2.ListDatasetsRequest(include_remote=include_remote)
        timeout = max(self.deadline_s, REMOTE_LISTING_DEADLINE_S) if include_remote else None
        return list(self._call(self.datasets.ListDatasets, request, timeout=timeout).datasets)

    def get_dataset(self, name: str) -> datasets_pb2.Dataset:
        return self._call(self.datasets.GetDataset, datasets_pb2.GetDatasetRequest(name=name))

    def find_dataset(self, name: str) -> datasets_pb2.Dataset | None:
        """The dataset, or None when there is none of that name (any other error is raised)."""
        try:
            return self.get_dataset(name)
        except BackendError as error:
            if error.code != "NOT_FOUND":
                raise
            return None

    def delete_dataset(self, name: str) -> None:
        self._call(self.datasets.DeleteDataset, datasets_pb2.DeleteDatasetRequest(name=name))

    def update_classes(self, dataset: str, changes: Iterable[Any]) -> datasets_pb2.Dataset:
        """Apply class changes in order, all or nothing. Each change is a ``ClassChange`` message or a tuple:
        ``("add", name)``, ``("rename", id, name)`` or ``("delete", id)``."""
        request = datasets_pb2.UpdateClassesRequest(dataset=dataset, changes=[_class_change(c) for c in changes])
        return self._call(self.datasets.UpdateClasses, request)

    def upload_images(
        self, dataset: str, files: Iterable[tuple[Path, str]], *, reconnect: Reconnect | None = None
    ) -> list[datasets_pb2.UploadResult]:
        """Upload ``(path, filename)`` files in 1 MiB chunks with their SHA-256, in streams of a few hundred
        files. Bytes the backend has already are not sent again; a stream that drops is resumed from what
        the backend holds (``GetUploadOffset``). One result per file, in order."""
        from desktop.client.uploads import upload_batches

        return upload_batches(self, dataset, list(files), reconnect=reconnect)

    def list_images(
        self, dataset: str, *, status: int = 0, page_size: int = 200, page_token: str = "", order_by: str = ""
    ) -> datasets_pb2.ListImagesResponse:
        """One page. ``order_by``: "position" (default), "filename", "updated" (newest first), "confidence"."""
        request = datasets_pb2.ListImagesRequest(
            dataset=dataset,
            status=status,  # type: ignore[arg-type]
            page_size=page_size,
            page_token=page_token,
            order_by=order_by,
        )
        return self._call(self.datasets.ListImages, request)

    def get_image(self, dataset: str, image_id: str, max_side: int = 0) -> datasets_pb2.ImageData:
        """The upright image: full size (max_side 0) or a JPEG/PNG whose longer side is ``max_side``."""
        request = datasets_pb2.GetImageRequest(dataset=dataset, image_id=image_id, max_side=max_side)
        return self._call(self.datasets.GetImage, request, timeout=max(self.deadline_s, 60.0))

    def get_annotations(self, dataset: str, image_id: str) -> datasets_pb2.Annotations:
        return self._call(
            self.datasets.GetAnnotations, datasets_pb2.GetAnnotationsRequest(dataset=dataset, image_id=image_id)
        )

    def save_annotations(
        self,
        dataset: str,
        image_id: str,
        *,
        base_revision: int,
        boxes: Iterable[Any],
        status: int = 0,
        editor: str = "",
        client_edit_id: str = "",
    ) -> datasets_pb2.Annotations:
        """Save the image's whole box list. ``boxes``: ``Box`` messages or tuples ``(class_id, x_center,
        y_center, width, height[, confidence[, difficult, truncated, occluded]])``. Raises BackendError "ABORTED"
        if ``base_revision`` is stale."""
        request = datasets_pb2.SaveAnnotationsRequest(
            dataset=dataset,
            image_id=image_id,
            base_revision=base_revision,
            boxes=[_box(b) for b in boxes],
            status=status,  # type: ignore[arg-type]
            editor=editor,
            client_edit_id=client_edit_id,
        )
        return self._call(self.datasets.SaveAnnotations, request)

    def dataset_stats(self, dataset: str) -> datasets_pb2.DatasetStats:
        return self._call(self.datasets.GetDatasetStats, datasets_pb2.GetDatasetStatsRequest(dataset=dataset))

    # -- cloud: SageMaker (a dispatch is a job: ``submit(JobSpec(train_sagemaker=...))``) -------------------

    def plan_training(self, spec: cloud_pb2.SageMakerTrainSpec) -> cloud_pb2.PlanTrainingResponse:
        """The request a SageMaker dispatch would send and its estimated cost; creates nothing."""
        return self._call(self.cloud.PlanTraining, spec, timeout=max(self.deadline_s, 60.0))

    def list_instance_types(self) -> cloud_pb2.ListInstanceTypesResponse:
        return self._call(self.cloud.ListInstanceTypes, cloud_pb2.ListInstanceTypesRequest())

    def list_endpoints(self, region: str = "") -> list[cloud_pb2.Endpoint]:
        request = cloud_pb2.ListEndpointsRequest(region=region)
        return list(self._call(self.cloud.ListEndpoints, request, timeout=max(self.deadline_s, 60.0)).endpoints)

    def invoke_endpoint(
        self, name: str, body: bytes, content_type: str, region: str = ""
    ) -> cloud_pb2.InvokeEndpointResponse:
        """One photo through a serverless endpoint (the first call may wait for a cold start)."""
        request = cloud_pb2.InvokeEndpointRequest(name=name, content_type=content_type, body=body, region=region)
        return self._call(self.cloud.InvokeEndpoint, request, timeout=max(self.deadline_s, 120.0))

    def delete_endpoint(self, name: str, region: str = "") -> None:
        request = cloud_pb2.DeleteEndpointRequest(name=name, region=region)
        self._call(self.cloud.DeleteEndpoint, request, timeout=max(self.deadline_s, 60.0))

    # -- storage: the workspace's remote (MinIO / S3) -----------------------------------------------------
    # Moving data is a job: ``submit(JobSpec(sync_push=SyncSpec(...)))`` or ``sync_pull``, progress in bytes.
    # Secrets go in (``set_remote``) and never come back out.

    def get_remote(self) -> storage_pb2.RemoteConfig:
        """The workspace's remote; ``configured`` is False when there is none."""
        return self._call(self.storage.GetRemote, storage_pb2.GetRemoteRequest())

    def set_remote(self, request: storage_pb2.SetRemoteRequest) -> storage_pb2.RemoteConfig:
        """Validate and save the remote (nothing is sent to it). A bad field raises BackendError
        "INVALID_ARGUMENT" whose message starts with the field's name; missing keys "FAILED_PRECONDITION"."""
        return self._call(self.storage.SetRemote, request)

    def unset_remote(self) -> None:
        self._call(self.storage.UnsetRemote, storage_pb2.UnsetRemoteRequest())

    def check_remote(self, create_buckets: bool = False) -> storage_pb2.RemoteCheck:
        """Reach, credentials, buckets and a write/read/delete probe, each step timed. Problems come back in
        the answer (``ok``, ``problem``, each step's ``detail``), not as a BackendError."""
        request = storage_pb2.CheckRemoteRequest(create_buckets=create_buckets)
        return self._call(self.storage.CheckRemote, request, timeout=max(self.deadline_s, REMOTE_CHECK_DEADLINE_S))

    def sync_status(
        self, selection: storage_pb2.SyncSelection | None = None, include_same: bool = False
    ) -> storage_pb2.SyncStatusResponse:
        """What differs between the workspace and the remote (nothing is downloaded). No selection = models,
        datasets and reports."""
        request = storage_pb2.SyncStatusRequest(selection=selection, include_same=include_same)
        return self._call(self.storage.SyncStatus, request, timeout=max(self.deadline_s, REMOTE_LISTING_DEADLINE_S))

    # -- webhooks: signed POSTs when jobs end and models are registered or promoted ----------------------------
    # A secret goes in (``add_webhook``) and comes back only when the backend generated it, once.

    def add_webhook(
        self, url: str, events: Iterable[str] = (), secret: str = "", description: str = ""
    ) -> webhooks_pb2.AddWebhookResponse:
        request = webhooks_pb2.AddWebhookRequest(url=url, events=list(events), secret=secret, description=description)
        return self._call(self.webhooks.AddWebhook, request)

    def list_webhooks(self) -> list[webhooks_pb2.Webhook]:
        return list(self._call(self.webhooks.ListWebhooks, webhooks_pb2.ListWebhooksRequest()).webhooks)

    def remove_webhook(self, webhook_id: str) -> None:
        self._call(self.webhooks.RemoveWebhook, webhooks_pb2.RemoveWebhookRequest(webhook_id=webhook_id))

    def test_webhook(self, webhook_id: str) -> webhooks_pb2.Delivery:
        return self._call(self.webhooks.TestWebhook, webhooks_pb2.TestWebhookRequest(webhook_id=webhook_id))

    def list_deliveries(
        self, *, webhook_id: str = "", job_id: str = "", page_size: int = 0, page_token: str = ""
    ) -> webhooks_pb2.ListDeliveriesResponse:
        request = webhooks_pb2.ListDeliveriesRequest(
            webhook_id=webhook_id, job_id=job_id, page_size=page_size, page_token=page_token
        )
        return self._call(self.webhooks.ListDeliveries, request)

    # -- batch restore (remote: the images live on this side) -------------------------------------------

    def restore_stream(
        self,
        start: batch_pb2.RestoreStreamStart,
        images: Iterable[tuple[str, bytes, bytes | None]],
        *,
        in_flight: int = 4,
        chunk_bytes: int = 1 << 20,
        stop: threading.Event | None = None,
    ) -> Iterator[batch_pb2.RestoreStreamResponse]:
        """Restore images that live on this side through ``Batch.RestoreStream``.

        ``images`` yields ``(id, image bytes, clean reference bytes or None)``; it is read lazily from
        gRPC's sending thread, at most ``in_flight`` images ahead of their results, and must not raise
        (skip a file it cannot read). Yields ``ready``, one ``result`` per image with the whole restored file
        in ``data`` (chunks joined, SHA-256 checked), then ``done``. Closing the iterator (or Ctrl+C while
        iterating) cancels the call, and so does setting ``stop`` from any thread: the iteration then ends
        quietly, even while it waits for a result. Errors of ``start`` (model, options, required provider) raise
        BackendError before any result."""
        import hashlib

        window = threading.Semaphore(max(1, in_flight))
        stopped = threading.Event()

        def requests() -> Iterator[batch_pb2.RestoreStreamRequest]:
            yield batch_pb2.RestoreStreamRequest(start=start)
            for chunk in _windowed_chunks(images, window, stopped, chunk_bytes):
                yield batch_pb2.RestoreStreamRequest(chunk=chunk)

        call = self.batch.RestoreStream(requests(), metadata=self._metadata)
        parts: dict[str, list[bytes]] = {}
        with self._cancellable(call, stop, stopped):
            for response in call:
                if response.WhichOneof("message") != "result":
                    yield response
                    continue
                result = response.result
                parts.setdefault(result.id, []).append(result.data)
                if not result.last:
                    continue
                whole = b"".join(parts.pop(result.id))
                if result.sha256 and hashlib.sha256(whole).hexdigest() != result.sha256:
                    raise BackendError("DATA_LOSS", f"{result.id}: checksum mismatch after download")
                window.release()
                joined = batch_pb2.ImageResult()
                joined.CopyFrom(result)
                joined.data = whole
                yield batch_pb2.RestoreStreamResponse(result=joined)

    def detect_stream(
        self,
        start: batch_pb2.DetectStreamStart,
        images: Iterable[tuple[str, bytes]],
        *,
        in_flight: int = 4,
        chunk_bytes: int = 1 << 20,
        stop: threading.Event | None = None,
    ) -> Iterator[batch_pb2.DetectStreamResponse]:
        """Detect objects in images that live on this side through ``Batch.DetectStream``.

        ``images`` yields ``(id, image bytes)``, read lazily from gRPC's sending thread, at most ``in_flight``
        images ahead of their results; it must not raise. Yields ``ready``, one ``result`` per image, then
        ``done``. Closing the iterator cancels the call, and so does setting ``stop`` from any thread, as for
        ``restore_stream``: the iteration then ends quietly, even while it waits for a result. Errors of
        ``start`` raise BackendError before any result."""
        window = threading.Semaphore(max(1, in_flight))
        stopped = threading.Event()
        pairs = ((key, data, None) for key, data in images)

        def requests() -> Iterator[batch_pb2.DetectStreamRequest]:
            yield batch_pb2.DetectStreamRequest(start=start)
            for chunk in _windowed_chunks(pairs, window, stopped, chunk_bytes):
                yield batch_pb2.DetectStreamRequest(chunk=chunk)

        call = self.batch.DetectStream(requests(), metadata=self._metadata)
        with self._cancellable(call, stop, stopped):
            for response in call:
                if response.WhichOneof("message") == "result":
                    window.release()
                yield response

    @contextlib.contextmanager
    def _cancellable(self, call: Any, stop: threading.Event | None, stopped: threading.Event) -> Iterator[None]:
        """Around the iteration of a batch stream's ``call``: setting ``stop`` (any thread) cancels it at once, a
        watcher thread waking a read blocked on a result; a cancel that was asked for (``stop``, or the iterator
        closed) ends the iteration quietly, any other gRPC error raises BackendError; leaving cancels the call and
        sets ``stopped`` (the request feed ends)."""
        if stop is not None:
            threading.Thread(
                target=_cancel_when_set, args=(stop, stopped, call), name="omni-batch-stop", daemon=True
            ).start()
        try:
            yield
        except grpc.RpcError as error:
            asked = stopped.is_set() or (stop is not None and stop.is_set())
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.CANCELLED and asked:
                return
            raise BackendError.from_rpc(error, self.target.address) from None
        finally:
            stopped.set()
            call.cancel()

    # -- detection --------------------------------------------------------------------------------------
    # Training, batch detection and pre-labelling are jobs (``submit`` with JobSpec.train_detection,
    # .detect_batch, .prelabel); these are the detection calls an annotator or operator makes directly.

    def suggest_boxes(
        self, dataset: str, image_id: str, *, model: str = "", conf: float = 0.0, iou: float = 0.0, max_det: int = 0
    ) -> detection_pb2.SuggestBoxesResponse:
        """The detector's boxes for one dataset image (``Box`` messages with ``confidence``); nothing is saved.
        The first call after the backend started also starts its detection helper (a second or two)."""
        request = detection_pb2.SuggestBoxesRequest(
            dataset=dataset, image_id=image_id, model=model, conf=conf, iou=iou, max_det=max_det
        )
        return self._call(self.detection.SuggestBoxes, request, timeout=max(self.deadline_s, 60.0))

    def import_detector(
        self,
        *,
        path: str = "",
        data: bytes = b"",
        filename: str = "",
        description: str = "",
        timeout: float = 900.0,
    ) -> models_pb2.ModelVersion:
        """Register a YOLO detection .pt (a path on the backend, or the file's bytes) as a detector version."""
        request = detection_pb2.ImportDetectorRequest(
            path=path, data=data, filename=filename, kind="detector", description=description
        )
        return self._call(self.detection.ImportDetector, request, timeout=timeout)


def _cancel_when_set(stop: threading.Event, ended: threading.Event, call: grpc.Future) -> None:
    """Cancel ``call`` once ``stop`` is set; give up watching when the call has ``ended``."""
    while not ended.is_set():
        if stop.wait(STOP_POLL_S):
            call.cancel()
            return


def _windowed_chunks(
    images: Iterable[tuple[str, bytes, bytes | None]],
    window: threading.Semaphore,
    stopped: threading.Event,
    chunk_bytes: int,
) -> Iterator[batch_pb2.ImageChunk]:
    """The chunks of a batch stream (each image's reference first), an image taken from ``window`` before it is
    read: the caller releases one per result, so at most that many images are in flight."""
    for key, data, reference in images:
        while not window.acquire(timeout=0.1):
            if stopped.is_set():
                return
        for payload, is_reference in ((reference, True), (data, False)):
            if payload is None:
                continue
            size = len(payload)
            for offset in range(0, max(size, 1), chunk_bytes):
                yield batch_pb2.ImageChunk(
                    id=key,
                    data=payload[offset : offset + chunk_bytes],
                    last=offset + chunk_bytes >= size,
                    reference=is_reference,
                )


def _class_change(change: Any) -> datasets_pb2.ClassChange:
    if isinstance(change, datasets_pb2.ClassChange):
        return change
    op, *args = change
    if op == "add":
        return datasets_pb2.ClassChange(add=str(args[0]))
    if op == "rename":
        return datasets_pb2.ClassChange(rename=datasets_pb2.RenameClass(id=int(args[0]), name=str(args[1])))
    if op == "delete":
        return datasets_pb2.ClassChange(delete_id=int(args[0]))
    raise ValueError(f"unknown class change {change!r}: use add, rename or delete")


def _box(box: Any) -> datasets_pb2.Box:
    if isinstance(box, datasets_pb2.Box):
        return box
    class_id, x, y, w, h, *rest = box
    message = datasets_pb2.Box(class_id=int(class_id), x_center=x, y_center=y, width=w, height=h)
    if rest and rest[0] is not None:
        message.confidence = float(rest[0])
    for name, value in zip(("difficult", "truncated", "occluded"), rest[1:4], strict=False):
        setattr(message, name, bool(value))
    return message
