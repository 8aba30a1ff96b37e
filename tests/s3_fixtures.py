"""Pytest fixtures for real S3 servers (loaded by ``pytest_plugins`` in tests/conftest.py).

- ``seaweed``: one SeaweedFS for the whole session, started the first time a test asks for it. Tests share it, so
  each makes its own buckets from ``unique_bucket_prefix``.
- ``seaweed_fresh``: a SeaweedFS of the test's own in ``tmp_path`` (for kill / restart tests), killed afterwards.
- ``moto_s3``: one moto server for the session (any credentials; in memory).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.s3_servers import MotoS3, SeaweedS3


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("seaweed"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def seaweed_fresh(tmp_path: Path) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path / "seaweed")
    server.start()
    yield server
    server.kill()  # its data is thrown away with tmp_path; a graceful stop would cost ~4 s


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    server = MotoS3(tmp_path_factory.mktemp("moto"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def unique_bucket_prefix() -> str:
    """``t`` + 8 hex digits: lowercase, a valid start for S3 bucket names (add ``-data`` etc. to it)."""
    return "t" + uuid.uuid4().hex[:8]
