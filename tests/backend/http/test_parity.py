"""Every RPC the running server offers (walked by gRPC reflection) has an HTTP route, or is listed here as
gRPC-only with the reason. A new service or method without a google.api.http annotation fails this test."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from google.protobuf import descriptor_pool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from backend.rpc.server import Backend
from tests.backend.http.conftest import Api

GRPC_ONLY = {
    "/omni.v1.Batch/RestoreStream": "bidirectional stream: no HTTP/1.1 request-response form; "
    "HTTP clients restore a folder with a restore_batch job",
    "/omni.v1.Batch/DetectStream": "bidirectional stream: no HTTP/1.1 request-response form; "
    "HTTP clients detect in a folder with a detect_batch job",
    "/grpc.health.v1.Health/Check": "standard gRPC health; HTTP has GET /healthz (which calls it)",
    "/grpc.health.v1.Health/Watch": "standard gRPC health stream for gRPC load balancers",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": "gRPC tooling (grpcurl); "
    "HTTP clients read /openapi.json",
}


def _served_methods(backend: Backend) -> set[str]:
    channel = grpc.insecure_channel(f"127.0.0.1:{backend.port}")
    try:
        database = ProtoReflectionDescriptorDatabase(channel)
        pool = descriptor_pool.DescriptorPool(database)
        return {
            f"/{service}/{method.name}"
            for service in database.get_services()
            for method in pool.FindServiceByName(service).methods
        }
    finally:
        channel.close()


def test_every_rpc_has_an_http_route_or_a_reason(make_backend: Callable[..., Backend]) -> None:
    backend = make_backend(token="", http_port=0)  # a tokenless loopback backend: reflection without metadata
    api = Api(f"http://127.0.0.1:{backend.http_port}", token=None)
    served = _served_methods(backend)
    assert "/omni.v1.Jobs/SubmitJob" in served and len(served) > 40
    document = api.request("GET", "/openapi.json", token=None).json()
    routed = {op["x-grpc-method"] for ops in document["paths"].values() for op in ops.values() if "x-grpc-method" in op}
    missing = sorted(served - routed - set(GRPC_ONLY))
    assert not missing, f"RPCs with no HTTP route (add a google.api.http annotation or a GRPC_ONLY reason): {missing}"
    stale = sorted(set(GRPC_ONLY) & routed) + sorted(set(GRPC_ONLY) - served)
    assert not stale, f"GRPC_ONLY entries that have a route or are no longer served: {stale}"
