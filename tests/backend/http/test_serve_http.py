"""``omni serve --http-port``: off by default, 0 picks a port, the same host rules and TLS as gRPC."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.rpc.server import Backend
from backend.settings import ServerSettings, UnsafeBindError
from omni_core.errors import FailedPrecondition
from tests.backend.conftest import TOKEN
from tests.backend.rpc.test_auth_and_transport import _self_signed
from tests.helpers import ServeProcess


def test_omni_serve_http_port_zero_prints_and_serves(tmp_path: Path) -> None:
    serve = ServeProcess(tmp_path / "ws", token="serve-token", extra=["--http-port", "0"])
    try:
        port = json.loads(serve.ready.read_text())["http_port"]
        assert isinstance(port, int) and port > 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as health:
            assert json.loads(health.read()) == {"status": "SERVING"}
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/system", headers={"Authorization": "Bearer serve-token"}
        )
        with urllib.request.urlopen(request, timeout=10) as system:
            assert json.loads(system.read())["authRequired"] is True
        assert serve.terminate() == 0
        assert serve.process.stdout is not None
        assert f"HTTP/JSON API on http://127.0.0.1:{port}" in serve.process.stdout.read().decode()
    finally:
        serve.stop()


def test_http_is_off_by_default_and_follows_the_bind_rules(make_backend: Callable[..., Backend]) -> None:
    assert make_backend().http_port is None
    with pytest.raises(UnsafeBindError, match="--http-port 70000"):
        ServerSettings(http_port=70000).check()
    with pytest.raises(UnsafeBindError, match="without a token"):
        ServerSettings(host="0.0.0.0", http_port=0).check()
    with pytest.raises(UnsafeBindError, match="without TLS"):
        ServerSettings(host="0.0.0.0", token="t", http_port=0).check()


def test_an_http_port_in_use_is_refused_naming_it(make_backend: Callable[..., Backend], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(FailedPrecondition, match=f"cannot serve HTTP on 127.0.0.1:{port}"):
            make_backend(http_port=port, workspace=tmp_path / "other")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_https_with_the_grpc_certificate(make_backend: Callable[..., Backend], tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    backend = make_backend(tls_cert=cert, tls_key=key, http_port=0)
    context = ssl.create_default_context(cafile=str(cert))
    request = urllib.request.Request(
        f"https://localhost:{backend.http_port}/v1/system", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:
        assert json.loads(answer.read())["tls"] is True
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(f"http://localhost:{backend.http_port}/healthz", timeout=10)
