"""Build the gRPC server: ``start_backend(settings)`` returns a running ``Backend`` (port 0 allowed),
which tests, the CLI's embedded backend and ``omni serve`` all use."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from backend.datasets.service import DatasetService
from backend.jobs.manager import JobManager
from backend.registry.registry import ModelRegistry
from backend.registry.shared import open_registry
from backend.rpc.artifacts_servicer import ArtifactsServicer
from backend.rpc.auth import AuthInterceptor
from backend.rpc.batch_servicer import BatchServicer
from backend.rpc.cloud_servicer import CloudServicer
from backend.rpc.datasets_servicer import DatasetsServicer
from backend.rpc.detection_servicer import DetectionServicer
from backend.rpc.errors import ErrorInterceptor
from backend.rpc.jobs_servicer import JobsServicer
from backend.rpc.limits import MAX_MESSAGE_BYTES
from backend.rpc.models_servicer import ModelsServicer
from backend.rpc.reports_servicer import ReportsServicer
from backend.rpc.request_interceptor import RequestCheckInterceptor
from backend.rpc.storage_servicer import StorageServicer
from backend.rpc.synthetic_servicer import SyntheticServicer
from backend.rpc.system_servicer import SystemServicer
from backend.rpc.tokens_servicer import TokensServicer
from backend.rpc.webhook_events import WebhookEvents
from backend.rpc.webhooks_servicer import WebhooksServicer
from backend.settings import ServerSettings
from backend.tokens.store import TokenStore
from backend.webhooks.service import WebhookService
from backend.workspace import Workspace
from omni_core.errors import FailedPrecondition

if TYPE_CHECKING:
    from backend.http.gateway import HttpGateway

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

RPC_THREADS = 64
#: Clients ping every 5 s while a call is open (desktop/client/connection.py) to notice a vanished server; accept
#: pings down to 4 s apart instead of answering them with GOAWAY ("too many pings"), even when no data flows. The
#: server pings too (every 30 s, 10 s to answer), so streams of a client that vanished are ended and their slots freed.
KEEPALIVE_POLICY = (
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 4000),
    ("grpc.http2.min_ping_interval_without_data_ms", 4000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
)

SERVICE_NAMES = (
    jobs_pb2.DESCRIPTOR.services_by_name["Jobs"].full_name,
    system_pb2.DESCRIPTOR.services_by_name["System"].full_name,
    synthetic_pb2.DESCRIPTOR.services_by_name["Synthetic"].full_name,
    models_pb2.DESCRIPTOR.services_by_name["Models"].full_name,
    reports_pb2.DESCRIPTOR.services_by_name["Reports"].full_name,
    artifacts_pb2.DESCRIPTOR.services_by_name["Artifacts"].full_name,
    batch_pb2.DESCRIPTOR.services_by_name["Batch"].full_name,
    datasets_pb2.DESCRIPTOR.services_by_name["Datasets"].full_name,
    detection_pb2.DESCRIPTOR.services_by_name["Detection"].full_name,
    storage_pb2.DESCRIPTOR.services_by_name["Storage"].full_name,
    cloud_pb2.DESCRIPTOR.services_by_name["Cloud"].full_name,
    tokens_pb2.DESCRIPTOR.services_by_name["Tokens"].full_name,
    webhooks_pb2.DESCRIPTOR.services_by_name["Webhooks"].full_name,
)


@dataclass
class Backend:
    server: grpc.Server
    port: int
    settings: ServerSettings
    workspace: Workspace
    manager: JobManager
    health: health.HealthServicer
    webhooks: WebhookService
    #: called once the server has stopped (helper processes of servicers)
    on_stop: list[Callable[[], None]] = field(default_factory=list)
    #: the HTTP/JSON gateway (``settings.http_port``), stopped before the server
    http: HttpGateway | None = None

    @property
    def http_port(self) -> int | None:
        return self.http.port if self.http is not None else None

    @property
    def address(self) -> str:
        host = self.settings.host
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    def stop(self, grace_s: float | None = None) -> None:
        """Stop taking calls, let running jobs stop (they become INTERRUPTED), then close."""
        grace = self.settings.shutdown_grace_s if grace_s is None else grace_s
        if self.http is not None:
            self.http.stop()
        self.health.enter_graceful_shutdown()
        stopped = self.server.stop(grace=min(grace, 2.0))
        self.manager.shutdown(grace_s=grace)
        stopped.wait(5)
        for close in self.on_stop:
            close()


def _bind(server: grpc.Server, settings: ServerSettings) -> int:
    address = f"[{settings.host}]:{settings.port}" if ":" in settings.host else f"{settings.host}:{settings.port}"
    try:
        if settings.tls:
            key, cert = Path(settings.tls_key or ""), Path(settings.tls_cert or "")
            credentials = grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())])
            port = server.add_secure_port(address, credentials)
        else:
            port = server.add_insecure_port(address)
    except RuntimeError as error:
        raise FailedPrecondition(f"cannot listen on {address}: {error}") from None
    if port == 0:
        raise FailedPrecondition(f"cannot listen on {address}: the port is in use or the address is not local")
    return port


def start_backend(settings: ServerSettings) -> Backend:
    """Start a backend and return once it accepts calls (health SERVING)."""
    settings.check()
    workspace = Workspace(settings.workspace, host_paths_allowed=settings.allows_host_paths)
    manager = JobManager(workspace, max_concurrent=settings.max_concurrent_jobs)
    tokens = TokenStore(workspace.state_dir)
    webhooks = WebhookService(workspace.state_dir, settings.webhooks)
    events = WebhookEvents(webhooks, ModelRegistry(workspace.store))
    manager.observers.append(events)
    # outermost first: no token is UNAUTHENTICATED (and a token whose role may not call the method
    # PERMISSION_DENIED) before anything looks at the request; the error interceptor turns what the request
    # check raises (and everything else) into statuses. Without a server token (a loopback backend) no call is
    # checked, as before named tokens: whoever reaches it shares the machine.
    interceptors: list[grpc.ServerInterceptor] = []
    if settings.token:
        interceptors.append(AuthInterceptor(settings.token, tokens))
    interceptors += [ErrorInterceptor(), RequestCheckInterceptor()]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=RPC_THREADS, thread_name_prefix="rpc"),
        interceptors=interceptors,
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            *KEEPALIVE_POLICY,
        ],
    )
    jobs_pb2_grpc.add_JobsServicer_to_server(JobsServicer(manager, webhooks), server)
    webhooks_pb2_grpc.add_WebhooksServicer_to_server(WebhooksServicer(webhooks), server)
    system_pb2_grpc.add_SystemServicer_to_server(SystemServicer(settings, workspace, manager.max_concurrent), server)
    synthetic_pb2_grpc.add_SyntheticServicer_to_server(SyntheticServicer(workspace), server)
    models_pb2_grpc.add_ModelsServicer_to_server(
        ModelsServicer(lambda: open_registry(workspace.store, workspace.state_dir), events.model_promoted), server
    )
    reports_pb2_grpc.add_ReportsServicer_to_server(ReportsServicer(workspace.store), server)
    artifacts_pb2_grpc.add_ArtifactsServicer_to_server(ArtifactsServicer(workspace.store), server)
    batch_pb2_grpc.add_BatchServicer_to_server(BatchServicer(workspace, max_streams=manager.max_concurrent), server)
    datasets_pb2_grpc.add_DatasetsServicer_to_server(
        DatasetsServicer(DatasetService.for_workspace(workspace), workspace.state_dir), server
    )
    storage_pb2_grpc.add_StorageServicer_to_server(StorageServicer(workspace), server)
    cloud_pb2_grpc.add_CloudServicer_to_server(CloudServicer(workspace), server)
    tokens_pb2_grpc.add_TokensServicer_to_server(TokensServicer(tokens), server)
    detection = DetectionServicer(workspace, on_registered=events.model_registered)
    detection_pb2_grpc.add_DetectionServicer_to_server(detection, server)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME), server
    )
    port = _bind(server, settings)
    on_stop: list[Callable[[], None]] = [detection.close, webhooks.stop, tokens.close]
    private = _private_listener(server, on_stop) if settings.http_port is not None else None
    webhooks.start()
    manager.start()
    server.start()
    for name in ("", *SERVICE_NAMES):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    backend = Backend(server, port, settings, workspace, manager, health_servicer, webhooks, on_stop)
    if private is not None:
        from backend.http.gateway import HttpGateway  # aiohttp is loaded only when HTTP is on

        try:
            backend.http = HttpGateway(settings, private, SERVICE_NAMES)
            backend.http.start()
        except BaseException:
            backend.http = None
            backend.stop(grace_s=1.0)
            raise
    return backend


def _private_listener(server: grpc.Server, on_stop: list[Callable[[], None]]) -> str:
    """A listener only this process's HTTP gateway uses: a unix socket in a fresh 0700 folder (no one else
    may connect; every call still passes the interceptors: token, request checks, errors). Where there are
    no unix sockets, a loopback port."""
    if not hasattr(socket, "AF_UNIX"):
        return f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    folder = tempfile.mkdtemp(prefix="omni-grpc-")  # mode 0700; short, unlike a workspace path (108 bytes)
    on_stop.append(lambda: shutil.rmtree(folder, ignore_errors=True))
    target = f"unix:{os.path.join(folder, 'grpc.sock')}"
    server.add_insecure_port(target)
    return target
