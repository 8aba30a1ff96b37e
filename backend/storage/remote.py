"""The workspace's remote, opened: ``open_remote(state_dir)`` is the S3 store its config and keys describe."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from backend.storage import credentials
from backend.storage.remote_config import load_config
from omni_core.errors import FailedPrecondition

if TYPE_CHECKING:
    from backend.storage.s3 import S3Store


def open_remote(state_dir: Path) -> S3Store | None:
    """The remote store of the workspace whose state folder is ``state_dir``; None when it has no remote.

    Missing or unusable credentials raise FailedPrecondition (nothing is sent before that)."""
    config = load_config(state_dir)
    if config is None:
        return None
    from backend.storage.s3 import S3Store  # the minio SDK, only for a workspace with a remote

    return S3Store(config, credentials.resolve(config, state_dir), state_dir=state_dir)


def require_remote(state_dir: Path) -> S3Store:
    store = open_remote(state_dir)
    if store is None:
        raise FailedPrecondition("this workspace has no remote; set one with omni remote set s3://...", field="remote")
    return store
