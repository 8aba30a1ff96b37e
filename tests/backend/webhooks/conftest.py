"""A backend whose deliveries retry fast (settings shortened, not mocked) and a client of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from backend.rpc.server import Backend
from backend.webhooks.settings import WebhookSettings
from desktop.client import BackendTarget, Connection
from tests.backend.conftest import TOKEN

FAST = WebhookSettings(attempt_timeout_s=3.0, backoff_first_s=0.3, backoff_max_s=1.0, jitter=0.1, poll_s=0.2)


@pytest.fixture
def fast_backend(make_backend: Callable[..., Backend]) -> Callable[..., Backend]:
    def make(**overrides: Any) -> Backend:
        return make_backend(**{"webhooks": FAST, **overrides})

    return make


@pytest.fixture
def connect() -> Iterator[Callable[[Backend], Connection]]:
    opened: list[Connection] = []

    def open_(backend: Backend) -> Connection:
        connection = Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN))
        opened.append(connection)
        return connection

    yield open_
    for connection in opened:
        connection.close()
