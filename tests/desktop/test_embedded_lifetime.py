"""The desktop's embedded backend ends with the desktop: a real ``omni gui`` (offscreen) starts a real backend,
then the desktop is SIGTERMed or SIGKILLed, and the backend closes as on SIGTERM (its discovery file is
removed on the way out) within a few seconds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO, wait_for

BACKEND_EXIT_S = 10.0  # the backend notices within 0.5 s; closing a backend with no jobs takes a few seconds


def _exited(pid: int) -> bool:
    """Gone, or a zombie waiting for a parent that was handed it (init may never reap it in a container)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return fields[0] in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_the_embedded_backend_stops_when_the_desktop_ends(tmp_path: Path, how: signal.Signals) -> None:
    workspace = tmp_path / "ws"
    discovery = workspace / ".omni" / "backend.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "OMNI_WORKSPACE": str(workspace)}
    env.pop("OMNI_TOKEN", None)
    desktop = subprocess.Popen(
        [sys.executable, "-m", "omni_cli", "gui", "--workspace", str(workspace)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    backend_pid = 0
    try:
        wait_for(lambda: discovery.exists() or desktop.poll() is not None, 60, what="the embedded backend")
        assert desktop.poll() is None, desktop.stderr.read().decode() if desktop.stderr else ""
        backend_pid = json.loads(discovery.read_text())["pid"]
        assert backend_pid != desktop.pid and not _exited(backend_pid)
        desktop.send_signal(how)
        desktop.wait(30)
        wait_for(lambda: _exited(backend_pid), BACKEND_EXIT_S, what=f"the backend to exit after {how.name}")
        assert not discovery.exists()  # it closed as on SIGTERM (its lock's cleanup ran), not killed
    finally:
        if desktop.poll() is None:
            desktop.kill()
            desktop.wait(10)
        if backend_pid and not _exited(backend_pid):  # a failed check leaves no backend behind
            os.kill(backend_pid, signal.SIGKILL)
