"""Fixtures of the n8n tests: ``omni serve`` with the HTTP API on loopback (a child process, as an admin runs
it), a receiver standing in for a chat webhook, and one real n8n with the workflows of installers/n8n imported
by its CLI. Skipped, saying why, only when n8n is not installed (``make n8n``; ``make test`` installs it
wherever Node and npm are)."""

from __future__ import annotations

import json
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from desktop.client import BackendTarget, Connection
from tests.automation import n8n as n8n_runtime
from tests.helpers import REPO, wait_for

TOKEN = "n8n-test-token-7f3a9c"
#: the backend's notify secret (signs deliveries to jobs' notify_url); n8n's Config reads it from $env
NOTIFY_SECRET = "whsec_" + "MfKQ9r8GKYqrTr/Bq3+P2r9tNq3TFyOZqQ8yq5xX0lM="

NOT_INSTALLED = "n8n is not installed: run `make n8n` (Node 20.19+ and npm)"


@dataclass
class Backend:
    process: subprocess.Popen[bytes]
    address: str
    http_url: str
    workspace: Path
    log: Path

    def client(self) -> Connection:
        return Connection(BackendTarget(self.address, token=TOKEN))

    def get(self, path: str) -> Any:
        import urllib.request

        request = urllib.request.Request(f"{self.http_url}{path}", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())


@pytest.fixture(scope="package")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    root = tmp_path_factory.mktemp("omni-n8n")
    workspace, ready, log_path = root / "workspace", root / "ready.json", root / "backend.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OMNI_")},
        "OMNI_TOKEN": TOKEN,
        "OMNI_WEBHOOK_SECRET": NOTIFY_SECRET,
        "OMNI_DENY_NETWORK": "1",  # workers: a connection beyond this machine fails (and is logged)
    }
    command = [sys.executable, "-m", "omni_cli", "serve", "--port", "0", "--http-port", "0"]
    command += ["--workspace", str(workspace), "--ready-file", str(ready)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: ready.exists() or process.poll() is not None, 60, what="omni serve ready file")
        if not ready.exists():
            raise AssertionError(f"omni serve exited:\n{log_path.read_text()[-4000:]}")
        info = json.loads(ready.read_text())
        yield Backend(process, info["address"], f"http://127.0.0.1:{info['http_port']}", workspace, log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@dataclass
class Receiver:
    """An HTTP endpoint that records every POST (path, headers, JSON body): the 'chat webhook' of the reports."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)

    def posts(self, path: str) -> list[dict[str, Any]]:
        return [item for item in list(self.received) if item["path"] == path]

    def wait(self, path: str, n8n: n8n_runtime.N8n, workflow: str, count: int = 1, timeout: float = 240) -> Any:
        """The first ``count`` POSTs to ``path``; fails at once when an execution of ``workflow`` fails."""

        def arrived() -> list[dict[str, Any]] | None:
            failed = [e for e in n8n.executions() if e["workflow"] == workflow and e["status"] in ("error", "crashed")]
            if failed:
                raise AssertionError(f"{workflow} failed in n8n: {failed}")
            posts = self.posts(path)
            return posts if len(posts) >= count else None

        try:
            return wait_for(arrived, timeout, 0.5, what=path)
        except AssertionError as error:
            raise AssertionError(f"{error}; n8n executions: {n8n.executions()}") from None


@pytest.fixture(scope="package")
def receiver() -> Iterator[Receiver]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            received.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"null")})
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Receiver(f"http://127.0.0.1:{server.server_address[1]}", received)
    server.shutdown()
    server.server_close()


@dataclass
class Sentinel:
    """A proxy that forwards nothing: n8n's proxy settings point at it (loopback excepted), so every request n8n
    tries to send beyond this machine (telemetry, version checks, templates, license, community nodes) arrives
    here instead, is refused, and is recorded."""

    url: str
    seen: list[str] = field(default_factory=list)


@pytest.fixture(scope="package")
def sentinel() -> Iterator[Sentinel]:
    seen: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            seen.append(self.rfile.readline(2048).decode(errors="replace").strip())
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Sentinel(f"http://127.0.0.1:{server.server_address[1]}", seen)
    server.shutdown()
    server.server_close()


def proxy_env(sentinel: Sentinel) -> dict[str, str]:
    loopback = "127.0.0.1,localhost,::1"
    names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    return {
        **dict.fromkeys(names, sentinel.url),
        **{n.lower(): sentinel.url for n in names},
        "NO_PROXY": loopback,
        "no_proxy": loopback,
    }


def load_workflow(filename: str, config: dict[str, Any], **rename: str) -> dict[str, Any]:
    """A workflow of installers/n8n with its Config node's values replaced, as a user edits them after
    importing; ``rename`` gives the copy another id/name/webhook path (id=..., name=..., path=...)."""
    workflow = json.loads((n8n_runtime.WORKFLOWS / filename).read_text())
    node = next(n for n in workflow["nodes"] if n["name"] == "Config")
    assignments = node["parameters"]["assignments"]["assignments"]
    known = {item["name"] for item in assignments}
    assert set(config) <= known, f"not in {filename}'s Config: {set(config) - known}"
    for item in assignments:
        if item["name"] in config:
            item["value"] = config[item["name"]]
    for key in ("id", "name"):
        if key in rename:
            workflow[key] = rename[key]
    if "path" in rename:
        for trigger in (n for n in workflow["nodes"] if n["type"] == "n8n-nodes-base.webhook"):
            trigger["parameters"]["path"] = rename["path"]
            trigger["webhookId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, rename["path"]))
    return workflow


def started_n8n(folder: Path, workflows: list[dict[str, Any]], env: dict[str, str]) -> n8n_runtime.N8n:
    instance = n8n_runtime.N8n(folder, env={"OMNI_WEBHOOK_SECRET": NOTIFY_SECRET, **env})
    began = time.monotonic()
    instance.import_credential(
        {
            "id": "omniBackendToken",
            "name": "Omni backend token",
            "type": "httpHeaderAuth",
            "data": {"name": "Authorization", "value": f"Bearer {TOKEN}"},
        }
    )
    instance.import_workflows(workflows)
    imported = time.monotonic()
    instance.start()
    print(f"n8n: CLI imports {imported - began:.1f} s, start {time.monotonic() - imported:.1f} s")
    return instance
