"""``omni serve``: run one backend per workspace until SIGTERM/SIGINT.

A lock file makes sure only one backend uses a workspace (two would both write its job database),
and a discovery file (``.omni/backend.json``, readable by its owner only) tells local clients where
it listens, so the CLI reuses a running backend instead of starting a second one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from backend.rpc.server import Backend, start_backend
from backend.settings import ServerSettings
from backend.workspace import STATE_DIR_NAME
from omni_core.errors import FailedPrecondition

LOCK_NAME = "backend.lock"
DISCOVERY_NAME = "backend.json"
#: how often a backend embedded by a desktop looks whether the desktop is still there
PARENT_POLL_S = 0.5


@dataclass(frozen=True)
class Discovery:
    """How to reach the backend that holds a workspace."""

    address: str
    token: str
    tls: bool
    pid: int


def _state_dir(workspace: Path) -> Path:
    path = Path(workspace).expanduser().resolve() / STATE_DIR_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_discovery(workspace: Path) -> Discovery | None:
    """The backend serving ``workspace`` now, or None (no file, or its process is gone)."""
    path = Path(workspace).expanduser() / STATE_DIR_NAME / DISCOVERY_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        os.kill(int(data["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Discovery(address=data["address"], token=data.get("token", ""), tls=bool(data.get("tls")), pid=data["pid"])


def _write_private_json(path: Path, data: dict[str, Any]) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.chmod(temp, 0o600)
    os.replace(temp, path)


@contextlib.contextmanager
def workspace_lock(workspace: Path) -> Iterator[IO[str]]:
    """Hold the workspace's lock for the backend's lifetime, or raise naming who holds it."""
    state = _state_dir(workspace)
    handle = (state / LOCK_NAME).open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        other = read_discovery(workspace)
        where = f" (pid {other.pid}, listening on {other.address})" if other else ""
        raise FailedPrecondition(f"the workspace {workspace} is in use by another backend{where}") from None
    try:
        yield handle
    finally:
        with contextlib.suppress(OSError):
            (state / DISCOVERY_NAME).unlink()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


class ManagedBackend:
    """A backend holding its workspace lock and advertising itself; ``close()`` undoes all of it."""

    def __init__(self, settings: ServerSettings) -> None:
        self._lock = workspace_lock(settings.workspace)
        self._lock.__enter__()
        try:
            self.backend: Backend = start_backend(settings)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
        host = "::1" if host == "::" else host
        advertised = f"[{host}]:{self.backend.port}" if ":" in host else f"{host}:{self.backend.port}"
        _write_private_json(
            _state_dir(settings.workspace) / DISCOVERY_NAME,
            {
                "address": advertised,
                "token": settings.token,
                "tls": settings.tls,
                "pid": os.getpid(),
                "started": time.time(),
            },
        )
        self.address = advertised

    @property
    def port(self) -> int:
        return self.backend.port

    def close(self, grace_s: float | None = None) -> None:
        try:
            self.backend.stop(grace_s)
        finally:
            self._lock.__exit__(None, None, None)


def parent_gone(parent_pid: int | None) -> bool:
    """Whether the process that started this one (``parent_pid``) has ended: this one was handed to another
    parent (init or a subreaper), whatever ended it, SIGKILL included. Always False without a ``parent_pid``."""
    return parent_pid is not None and os.getppid() != parent_pid


def serve_forever(
    settings: ServerSettings,
    *,
    ready_file: Path | None = None,
    reuse: bool = False,
    announce: Any = print,
    parent_pid: int | None = None,
) -> int:
    """Run until SIGTERM or SIGINT; running jobs are asked to stop and end INTERRUPTED.

    With ``reuse``, a workspace that already has a backend is not an error: its address goes to the
    ready file (marked ``reused``) and this returns at once. With ``parent_pid`` (the desktop that embeds this
    backend), the backend also stops, as on SIGTERM, within ``PARENT_POLL_S`` of that process ending, however
    it ended. A poll of the parent's pid, not PR_SET_PDEATHSIG: the kernel sends that when the *thread* that
    started the child ends, and the desktop starts its backend from a pool thread that may end any time.
    """
    if reuse:
        other = read_discovery(settings.workspace)
        if other is not None:
            announce(f"omni backend already serving this workspace on {other.address} (pid {other.pid})")
            if ready_file is not None:
                _write_private_json(Path(ready_file), {**asdict(other), "reused": True})
            return 0
    managed = ManagedBackend(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    announce(f"omni backend listening on {managed.address} (workspace {managed.backend.workspace.root})")
    http_port = managed.backend.http_port
    if http_port is not None:
        scheme = "https" if settings.tls else "http"
        host = managed.address.rsplit(":", 1)[0]
        announce(f"omni HTTP/JSON API on {scheme}://{host}:{http_port} (docs: /docs)")
    if ready_file is not None:
        _write_private_json(
            Path(ready_file),
            {"address": managed.address, "port": managed.port, "http_port": http_port, "pid": os.getpid()},
        )
    try:
        while not stop.wait(PARENT_POLL_S):
            if parent_gone(parent_pid):
                announce(f"omni backend: the process that started it (pid {parent_pid}) has ended")
                break
    finally:
        announce("omni backend stopping: running jobs are interrupted and can be resumed")
        managed.close()
    return 0
