"""Which backend a command talks to: ``--backend``, else the one already serving the workspace,
else an embedded one started in this process for the duration of the command."""

from __future__ import annotations

import argparse
import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop.client import BackendTarget, Connection


@dataclass
class Session:
    connection: Connection
    #: the backend runs on this machine, so paths can be sent as absolute local paths
    local: bool
    #: the backend lives only as long as this command (Ctrl+C interrupts its jobs)
    embedded: bool
    #: ``--notify-url`` of a command that submits a job: where the backend POSTs the job's end
    notify_url: str = ""


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("backend")
    group.add_argument(
        "--backend", metavar="HOST:PORT", help="a running backend (default: the workspace's, or an embedded one)"
    )
    group.add_argument("--token", help="the backend's token (default: $OMNI_TOKEN)")
    group.add_argument("--tls", action="store_true", help="connect with TLS using the system's CA certificates")
    group.add_argument("--tls-ca", type=Path, metavar="PEM", help="connect with TLS, trusting this CA certificate")
    group.add_argument(
        "--workspace",
        type=Path,
        help="workspace of the embedded backend (default: $OMNI_WORKSPACE or the user data dir)",
    )


def add_notify_option(parser: argparse.ArgumentParser) -> None:
    """``--notify-url`` for a command that submits a job (``Session.notify_url``; README, "Webhooks")."""
    parser.add_argument(
        "--notify-url",
        metavar="URL",
        help="POST the job's end (succeeded/failed/cancelled/interrupted) here, signed; e.g. an n8n resume URL",
    )


def _is_loopback_address(address: str) -> bool:
    from backend.settings import is_loopback

    host = address.rsplit(":", 1)[0] if address.count(":") == 1 or address.startswith("[") else address
    return is_loopback(host.strip("[]"))


@contextlib.contextmanager
def open_session(args: argparse.Namespace) -> Iterator[Session]:
    import os

    notify_url = getattr(args, "notify_url", None) or ""
    if args.backend:
        token = args.token if args.token is not None else os.environ.get("OMNI_TOKEN", "")
        target = BackendTarget(args.backend, token=token, tls=args.tls, tls_ca=args.tls_ca)
        with Connection(target) as connection:
            yield Session(connection, local=_is_loopback_address(args.backend), embedded=False, notify_url=notify_url)
        return

    from backend.serve import ManagedBackend, read_discovery
    from backend.settings import ServerSettings, default_workspace

    workspace = args.workspace or default_workspace()
    running = read_discovery(workspace)
    if running is not None:
        with Connection(BackendTarget(running.address, token=running.token, tls=running.tls)) as connection:
            yield Session(connection, local=True, embedded=False, notify_url=notify_url)
        return
    token = secrets.token_hex(24)
    settings = ServerSettings.from_env(port=0, workspace=workspace, token=token)
    managed = ManagedBackend(settings)
    try:
        with Connection(BackendTarget(managed.address, token=token)) as connection:
            yield Session(connection, local=True, embedded=True, notify_url=notify_url)
    finally:
        managed.close()


def local_path(session: Session, value: str) -> str:
    """Paths typed by the user are relative to their shell, if the backend shares this machine."""
    if session.local and value:
        return str(Path(value).expanduser().absolute())
    return value
