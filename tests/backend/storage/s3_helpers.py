"""Build S3 stores and workspaces pointed at the test S3 servers."""

from __future__ import annotations

from pathlib import Path

from backend.storage.credentials import Credentials, save_workspace_keys
from backend.storage.remote_config import RemoteConfig, checked, save_config
from backend.storage.s3 import S3Store
from tests.s3_servers import S3Credentials


def config_for(server_url: str, bucket_prefix: str, *, layout: str = "prefix") -> RemoteConfig:
    if layout == "prefix":
        return checked(RemoteConfig(url=f"s3://{bucket_prefix}-omni/team", endpoint=server_url))
    return checked(RemoteConfig(url="s3://", endpoint=server_url, bucket_prefix=f"{bucket_prefix}-"))


def store_for(
    server_url: str, creds: S3Credentials, bucket_prefix: str, state_dir: Path, *, layout: str = "prefix"
) -> S3Store:
    state_dir.mkdir(parents=True, exist_ok=True)
    return S3Store(
        config_for(server_url, bucket_prefix, layout=layout),
        Credentials(creds.access_key, creds.secret_key, source="test"),
        state_dir=state_dir,
    )


def set_workspace_remote(state_dir: Path, server_url: str, creds: S3Credentials, bucket_prefix: str) -> RemoteConfig:
    """What ``omni remote set`` leaves in a workspace: the config and this workspace's keys."""
    config = config_for(server_url, bucket_prefix)
    state_dir.mkdir(parents=True, exist_ok=True)
    save_config(state_dir, config)
    save_workspace_keys(state_dir, creds.access_key, creds.secret_key)
    return config
