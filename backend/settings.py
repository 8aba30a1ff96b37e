"""Typed settings of ``omni serve``. Every field can come from the command line or an ``OMNI_`` variable."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from backend.webhooks.settings import WebhookSettings

APP_NAME = "omni-studio"
DEFAULT_PORT = 50051


class UnsafeBindError(ValueError):
    """The server would listen beyond loopback without a token, or without TLS unless ``insecure``."""


def default_workspace() -> Path:
    return Path(os.environ.get("OMNI_WORKSPACE") or platformdirs.user_data_dir(APP_NAME, appauthor=False))


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workspace: Path = field(default_factory=default_workspace)
    token: str = ""
    tls_cert: Path | None = None
    tls_key: Path | None = None
    insecure: bool = False
    max_concurrent_jobs: int = 2
    #: accept absolute paths outside the workspace; None = only when listening on loopback
    host_paths_allowed: bool | None = None
    shutdown_grace_s: float = 10.0
    #: serve the HTTP/JSON API on this port too (same host, token and TLS); None = off, 0 = a free port
    http_port: int | None = None
    #: delivery timing: backoff schedule, attempt timeout, pool size (``OMNI_WEBHOOK_*``)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings.from_env)

    @classmethod
    def from_env(cls, **overrides: object) -> ServerSettings:
        """Defaults, then ``OMNI_*`` variables, then explicit ``overrides`` (None values are ignored)."""
        settings = cls(
            token=os.environ.get("OMNI_TOKEN", ""),
            max_concurrent_jobs=_env_int("OMNI_MAX_CONCURRENT_JOBS", 2),
        )
        given = {name: value for name, value in overrides.items() if value is not None}
        return replace(settings, **given)  # type: ignore[arg-type]

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    @property
    def allows_host_paths(self) -> bool:
        return is_loopback(self.host) if self.host_paths_allowed is None else self.host_paths_allowed

    def check(self) -> None:
        """Refuse configurations that would expose the backend; the message says what to change."""
        if (self.tls_cert is None) != (self.tls_key is None):
            raise UnsafeBindError("--tls-cert and --tls-key go together: give both or neither")
        if not 0 <= self.port <= 65535:
            raise UnsafeBindError(f"--port {self.port} is not a port number (0-65535; 0 picks a free one)")
        if self.http_port is not None and not 0 <= self.http_port <= 65535:
            raise UnsafeBindError(f"--http-port {self.http_port} is not a port number (0-65535; 0 picks a free one)")
        if is_loopback(self.host):
            return
        if not self.token:
            raise UnsafeBindError(
                f"refusing to listen on {self.host} without a token: anyone on the network could run jobs. "
                "Pass --token (or set OMNI_TOKEN), or listen on 127.0.0.1."
            )
        if not self.tls and not self.insecure:
            raise UnsafeBindError(
                f"refusing to listen on {self.host} without TLS: the token would cross the network in clear. "
                "Pass --tls-cert and --tls-key, or --insecure if a trusted proxy terminates TLS."
            )
