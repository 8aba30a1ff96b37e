"""The desktop with an annotator's token: the backend says who it is, and the jobs stream (an operator's)
ends quietly instead of reconnecting forever."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.rpc.server import Backend, start_backend
from backend.settings import ServerSettings
from desktop.client import BackendTarget, Connection
from desktop.models.connection_model import SystemSummary
from desktop.qt.session import watch_jobs_forever
from protos.omni.v1 import tokens_pb2

ADMIN = "admin-token"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Backend]:
    backend = start_backend(ServerSettings(port=0, workspace=tmp_path / "ws", token=ADMIN, shutdown_grace_s=2))
    yield backend
    backend.stop(grace_s=2)


def test_an_annotator_sees_who_it_is_and_no_jobs_stream(server: Backend) -> None:
    address = f"127.0.0.1:{server.port}"
    with Connection(BackendTarget(address, token=ADMIN)) as admin:
        secret = admin.create_token("ann", tokens_pb2.ROLE_ANNOTATOR).token
        assert admin.system_info().caller_token == "server-token"
    with Connection(BackendTarget(address, token=secret)) as annotator:
        info = annotator.system_info()
        items = list(watch_jobs_forever(annotator, lambda: False))  # returns: nothing to reconnect to
    assert (info.caller_token, info.caller_role) == ("ann", tokens_pb2.ROLE_ANNOTATOR)
    assert dict(SystemSummary.from_proto(info).rows())["Security"] == "token 'ann' (annotator), no TLS"
    assert [type(item).__name__ for item in items] == ["_StreamOpened"]
