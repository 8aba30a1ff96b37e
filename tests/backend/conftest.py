"""Backend fixtures: a real gRPC server on loopback (port 0) in this process, and a real client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.rpc.server import Backend, start_backend
from backend.settings import ServerSettings
from desktop.client import BackendTarget, Connection

TOKEN = "test-token-123"


@pytest.fixture
def make_backend(tmp_path: Path) -> Iterator[Callable[..., Backend]]:
    started: list[Backend] = []

    def make(**overrides: Any) -> Backend:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": 0,
            "workspace": tmp_path / "workspace",
            "token": TOKEN,
            "shutdown_grace_s": 5.0,
        }
        values.update(overrides)
        backend = start_backend(ServerSettings(**values))
        started.append(backend)
        return backend

    yield make
    for backend in started:
        backend.stop(grace_s=5.0)


@pytest.fixture
def backend(make_backend: Callable[..., Backend]) -> Backend:
    return make_backend()


@pytest.fixture
def client(backend: Backend) -> Iterator[Connection]:
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as connection:
        yield connection
