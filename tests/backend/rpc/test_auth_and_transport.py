"""Authentication, TLS, health, reflection and the refusal of unsafe binds, over real sockets."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from backend.rpc.server import Backend
from backend.settings import ServerSettings, UnsafeBindError
from desktop.client import BackendError, BackendTarget, Connection
from protos.omni.v1 import jobs_pb2, jobs_pb2_grpc, system_pb2, system_pb2_grpc
from tests.backend.conftest import TOKEN
from tests.helpers import REPO, restoration_spec


@pytest.mark.parametrize("metadata", [(), (("authorization", "Bearer wrong"),), (("authorization", TOKEN),)])
def test_missing_or_wrong_token_is_unauthenticated(backend: Backend, metadata: tuple[tuple[str, str], ...]) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{backend.port}") as channel:
        system = system_pb2_grpc.SystemStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            system.GetSystemInfo(system_pb2.GetSystemInfoRequest(), metadata=metadata, timeout=5)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        jobs = jobs_pb2_grpc.JobsStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            list(jobs.WatchJobs(jobs_pb2.WatchJobsRequest(), metadata=metadata, timeout=5))
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_health_needs_no_token_and_the_right_token_works(backend: Backend) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{backend.port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
        reply = health.Check(health_pb2.HealthCheckRequest(service="omni.v1.Jobs"), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
        info = client.system_info()
    assert info.api_version == "omni.v1"
    assert info.auth_required
    assert info.workspace == str(backend.workspace.root)
    assert info.cpu_count >= 1
    assert info.memory_total_bytes > 0


def test_friendly_error_when_the_token_is_wrong(backend: Backend) -> None:
    with (
        Connection(BackendTarget(f"127.0.0.1:{backend.port}", token="nope")) as client,
        pytest.raises(BackendError) as caught,
    ):
        client.list_jobs()
    assert caught.value.code == "UNAUTHENTICATED"
    assert "refused the token" in str(caught.value)


def test_stock_grpcurl_lists_services_through_reflection(backend: Backend) -> None:
    grpcurl = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")
    if not Path(grpcurl).exists():
        pytest.skip("grpcurl is not installed")
    address = f"127.0.0.1:{backend.port}"
    listed = subprocess.run(
        [grpcurl, "-plaintext", "-H", f"authorization: Bearer {TOKEN}", address, "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert {"omni.v1.Jobs", "omni.v1.System", "omni.v1.Synthetic", "grpc.health.v1.Health"} <= set(
        listed.stdout.split()
    )
    # reflection is an RPC like any other, so it needs the token too (health itself does not)
    health = subprocess.run(
        [grpcurl, "-plaintext", "-H", f"authorization: Bearer {TOKEN}", address, "grpc.health.v1.Health/Check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(health.stdout)["status"] == "SERVING"
    refused = subprocess.run([grpcurl, "-plaintext", address, "list"], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "Unauthenticated" in refused.stderr or "UNAUTHENTICATED" in refused.stderr.upper()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_tls_with_token(make_backend: Callable[..., Backend], tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    backend = make_backend(tls_cert=cert, tls_key=key)
    with Connection(BackendTarget(f"localhost:{backend.port}", token=TOKEN, tls_ca=cert)) as client:
        assert client.system_info().tls
    with (
        Connection(BackendTarget(f"localhost:{backend.port}", token=TOKEN), deadline_s=3) as plain,
        pytest.raises(BackendError),
    ):
        plain.system_info()


def test_unsafe_binds_are_refused_with_a_reason() -> None:
    with pytest.raises(UnsafeBindError, match="without a token"):
        ServerSettings(host="0.0.0.0", port=0).check()
    with pytest.raises(UnsafeBindError, match="without TLS"):
        ServerSettings(host="0.0.0.0", port=0, token="t").check()
    ServerSettings(host="0.0.0.0", port=0, token="t", insecure=True).check()
    ServerSettings(host="127.0.0.1", port=0).check()
    ServerSettings(host="::1", port=0).check()


def test_omni_serve_refuses_an_open_bind(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "omni_cli", "serve", "--host", "0.0.0.0", "--port", "0", "--workspace", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert "without a token" in done.stderr


def test_a_confined_backend_keeps_paths_inside_its_workspace(
    make_backend: Callable[..., Backend], tmp_path: Path
) -> None:
    backend = make_backend(host_paths_allowed=False)
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
        for escape in ("../escape", str(tmp_path / "elsewhere"), "synthetic-data/../../x", ".omni/jobs"):
            with pytest.raises(BackendError) as caught:
                client.submit(restoration_spec(escape))
            assert caught.value.code == "PERMISSION_DENIED", escape
            assert caught.value.message.startswith("out:")
        (backend.workspace.root / "link").symlink_to(tmp_path)
        with pytest.raises(BackendError) as caught:
            client.submit(restoration_spec("link/inside-a-symlink"))
        assert caught.value.code == "PERMISSION_DENIED"
        job = client.submit(restoration_spec("synthetic-data/run1", count=1))
        assert job.outputs["out"] == str(backend.workspace.root / "synthetic-data" / "run1")
        assert not client.system_info().host_paths_allowed
