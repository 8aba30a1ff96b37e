"""Sync fixtures: two real backends (two workspaces) sharing one real SeaweedFS remote, and no ambient keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backend.rpc.server import Backend
from desktop.client import BackendTarget, Connection
from protos.omni.v1 import jobs_pb2, storage_pb2
from tests.backend.batch.conftest import tiny_onnx  # noqa: F401 - a fixture, shared
from tests.backend.conftest import TOKEN
from tests.helpers import wait_for_state
from tests.s3_servers import SeaweedS3

SUCCEEDED, FAILED = jobs_pb2.JOB_STATE_SUCCEEDED, jobs_pb2.JOB_STATE_FAILED


@pytest.fixture(autouse=True)
def _no_ambient_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "OMNI_S3_ACCESS_KEY_ID",
        "OMNI_S3_SECRET_ACCESS_KEY",
        "OMNI_S3_SESSION_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


class Side:
    """One backend with its own workspace, and a client of it."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.root = backend.workspace.root
        self.client = Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN))

    def set_remote(self, seaweed: SeaweedS3, prefix: str, secret: str = "") -> storage_pb2.RemoteConfig:
        return self.client.set_remote(
            storage_pb2.SetRemoteRequest(
                url=f"s3://{prefix}-shared/omni",
                endpoint=seaweed.url,
                access_key_id=seaweed.admin.access_key,
                secret_access_key=secret or seaweed.admin.secret_key,
            )
        )

    def sync(self, direction: str, timeout: float = 120, **selection: object) -> jobs_pb2.Job:
        spec = storage_pb2.SyncSpec(
            selection=storage_pb2.SyncSelection(**selection),  # type: ignore[arg-type]
        )
        job = self.client.submit(jobs_pb2.JobSpec(**{f"sync_{direction}": spec}))
        return wait_for_state(self.client, job.id, timeout=timeout)


@pytest.fixture
def two_sides(make_backend: Callable[..., Backend], tmp_path: Path) -> Iterator[tuple[Side, Side]]:
    a = Side(make_backend(workspace=tmp_path / "a"))
    b = Side(make_backend(workspace=tmp_path / "b"))
    yield a, b
    a.client.close()
    b.client.close()


@pytest.fixture
def remote_pair(two_sides: tuple[Side, Side], seaweed: SeaweedS3, unique_bucket_prefix: str) -> tuple[Side, Side]:
    a, b = two_sides
    a.set_remote(seaweed, unique_bucket_prefix)
    check = a.client.check_remote(create_buckets=True)
    assert check.ok, check
    b.set_remote(seaweed, unique_bucket_prefix)
    return a, b
