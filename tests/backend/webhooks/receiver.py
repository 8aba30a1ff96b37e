"""Real HTTP receivers on loopback for webhook tests: one that answers from a script of statuses and records
each request, one that accepts connections and never answers, and a port where nothing listens."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.helpers import wait_for


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


class Receiver:
    """``statuses`` are answered in turn; the last one repeats. Use as a context manager."""

    def __init__(self, statuses: tuple[int, ...] = (200,), path: str = "/hook") -> None:
        self.statuses = list(statuses)
        self.received: list[Received] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with owner._lock:
                    owner.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body, time.time()))
                    status = owner.statuses.pop(0) if len(owner.statuses) > 1 else owner.statuses[0]
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def of_type(self, event_type: str) -> list[Received]:
        with self._lock:
            return [item for item in self.received if item.json["type"] == event_type]

    def wait(self, event_type: str, count: int = 1, timeout: float = 30.0) -> list[Received]:
        wait_for(lambda: len(self.of_type(event_type)) >= count, timeout=timeout, what=f"{count} x {event_type}")
        return self.of_type(event_type)


class Silent:
    """A socket that accepts connections (the kernel's backlog does) and never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/never"

    def __enter__(self) -> Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.socket.close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/closed"


def iter_files(root: Any) -> Iterator[Any]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path
