"""The gateway against a small real gRPC server standing in for the backend, for what the backend does not
do (yet) on demand: rich error details (google.rpc.BadRequest) passed through, a silent stream kept alive
by heartbeats, and a stream failing after it started."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from backend.http.gateway import HttpGateway
from backend.rpc.server import SERVICE_NAMES
from backend.settings import ServerSettings
from protos.omni.v1 import jobs_pb2, system_pb2
from tests.backend.http.conftest import Api


def _bad_request(_request: Any, context: grpc.ServicerContext) -> None:
    detail = any_pb2.Any()
    violation = error_details_pb2.BadRequest.FieldViolation(field="spec.count", description="must be 1 to 10")
    detail.Pack(error_details_pb2.BadRequest(field_violations=[violation]))
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="spec.count: must be 1 to 10", details=[detail])
    context.abort_with_status(rpc_status.to_status(status))


def _quiet_updates(_request: Any, _context: grpc.ServicerContext) -> Iterator[jobs_pb2.JobUpdate]:
    yield jobs_pb2.JobUpdate(snapshot_done=True)
    time.sleep(1.5)  # nothing changes for a while


def _failing_events(_request: Any, context: grpc.ServicerContext) -> Iterator[jobs_pb2.WatchJobResponse]:
    yield jobs_pb2.WatchJobResponse(events=[jobs_pb2.JobEvent(job_id="j", seq=1)])
    context.abort(grpc.StatusCode.UNAVAILABLE, "the backend is stopping")


@pytest.fixture
def stand_in() -> Iterator[Api]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "omni.v1.System",
                {"GetSystemInfo": grpc.unary_unary_rpc_method_handler(
                    _bad_request, system_pb2.GetSystemInfoRequest.FromString, system_pb2.SystemInfo.SerializeToString
                )},
            ),
            grpc.method_handlers_generic_handler(
                "omni.v1.Jobs",
                {
                    "WatchJobs": grpc.unary_stream_rpc_method_handler(
                        _quiet_updates, jobs_pb2.WatchJobsRequest.FromString, jobs_pb2.JobUpdate.SerializeToString
                    ),
                    "WatchJob": grpc.unary_stream_rpc_method_handler(
                        _failing_events,
                        jobs_pb2.WatchJobRequest.FromString,
                        jobs_pb2.WatchJobResponse.SerializeToString,
                    ),
                },
            ),
        )
    )  # fmt: skip
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    gateway = HttpGateway(ServerSettings(http_port=0), f"127.0.0.1:{port}", SERVICE_NAMES, heartbeat_s=0.2)
    gateway.start()
    try:
        yield Api(f"http://127.0.0.1:{gateway.port}", token=None)
    finally:
        gateway.stop()
        server.stop(grace=None)


def test_bad_request_field_violations_pass_through(stand_in: Api) -> None:
    answer = stand_in.request("GET", "/v1/system")
    assert answer.status == 400
    assert answer.json()["error"] == {
        "code": 400,
        "status": "INVALID_ARGUMENT",
        "message": "spec.count: must be 1 to 10",
        "field_violations": [{"field": "spec.count", "description": "must be 1 to 10"}],
    }


def test_a_quiet_stream_gets_heartbeats(stand_in: Api) -> None:
    request = urllib.request.Request(stand_in.base + "/v1/jobs:watch", headers={"Accept": "text/event-stream"})
    with urllib.request.urlopen(request, timeout=10) as stream:
        lines = [line.decode() for line in stream]
    assert lines[0] == "event: JobUpdate\n" and '"snapshotDone":true' in lines[1]
    assert lines.count(": keep-alive\n") >= 3  # 1.5 s of silence at one every 0.2 s


def test_a_stream_failing_midway_ends_with_an_error_event(stand_in: Api) -> None:
    request = urllib.request.Request(stand_in.base + "/v1/jobs/j/events")
    with urllib.request.urlopen(request, timeout=10) as stream:
        text = stream.read().decode()
    assert text.startswith("id: 1\nevent: JobEvent\n")
    assert 'event: error\ndata: {"error": {"code": 503, "status": "UNAVAILABLE"' in text
