"""Start a backend as a child process on loopback (random port, random token) and stop it on exit.

The child is ``omni serve`` (``python -m omni_cli serve``), so the client never imports backend code
or torch. If the workspace already has a backend, the child reports it instead (``--reuse``) and we
connect to that one without owning it. The child is given this process's pid (``--parent-pid``) and stops,
interrupting its jobs as on SIGTERM, once this process is gone, however it ended.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from desktop.client.connection import BackendTarget
from desktop.client.errors import BackendError

START_TIMEOUT_S = 30.0


class EmbeddedBackend:
    def __init__(self, target: BackendTarget, process: subprocess.Popen[bytes] | None, log_path: Path) -> None:
        self.target = target
        self.process = process  # None when we reuse a backend someone else started
        self.log_path = log_path

    @property
    def owned(self) -> bool:
        return self.process is not None

    @classmethod
    def start(cls, workspace: Path | None = None, *, timeout_s: float = START_TIMEOUT_S) -> EmbeddedBackend:
        token = secrets.token_hex(24)
        state = Path(tempfile.mkdtemp(prefix="omni-embedded-"))
        ready, log_path = state / "ready.json", state / "backend.log"
        command = [
            sys.executable,
            "-m",
            "omni_cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--reuse",
            "--ready-file",
            str(ready),
            "--parent-pid",  # it stops when this process ends, even by SIGKILL (no closeEvent, no handler)
            str(os.getpid()),
        ]
        if workspace is not None:
            command += ["--workspace", str(workspace)]
        env = {**os.environ, "OMNI_TOKEN": token}
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if ready.exists():
                info = json.loads(ready.read_text(encoding="utf-8"))
                if info.get("reused"):
                    process.wait(timeout=10)
                    target = BackendTarget(info["address"], token=info.get("token", ""), tls=bool(info.get("tls")))
                    return cls(target, None, log_path)
                return cls(BackendTarget(info["address"], token=token), process, log_path)
            if process.poll() is not None:
                break
            time.sleep(0.02)
        output = log_path.read_text(encoding="utf-8", errors="replace").strip()
        if process.poll() is None:
            process.kill()
        raise BackendError("UNAVAILABLE", f"the embedded backend did not start: {output[-2000:] or 'no output'}")

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM (running jobs become interrupted), then SIGKILL if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
