"""A real backend with its HTTP gateway on loopback, and a small real HTTP client (the standard library's)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from backend.rpc.server import Backend
from tests.backend.conftest import TOKEN


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Api:
    base: str
    token: str | None = TOKEN

    def request(
        self,
        method: str,
        path: str,
        body: bytes | dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        token: str | None = "default",
        timeout: float = 30,
        stream: bool = False,
    ) -> Answer:
        """One call; with ``stream``, a 200's body is not read (an event stream may never end)."""
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        sent = {"Content-Type": "application/json"} if data is not None else {}
        token = self.token if token == "default" else token
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Answer(response.status, response.headers, b"" if stream else response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())

    def open(self, path: str, headers: dict[str, str] | None = None, timeout: float = 30) -> Any:
        """A streaming response (read it line by line); the caller closes it."""
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        return urllib.request.urlopen(urllib.request.Request(self.base + path, headers=sent), timeout=timeout)


@pytest.fixture
def http_backend(make_backend: Callable[..., Backend]) -> Backend:
    return make_backend(http_port=0)


@pytest.fixture
def api(http_backend: Backend) -> Api:
    return Api(f"http://127.0.0.1:{http_backend.http_port}")
