"""``omni serve`` as a real process: start-up time, SIGKILL and SIGTERM, one backend per workspace."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.client import BackendTarget, Connection
from protos.omni.v1 import jobs_pb2
from tests.helpers import REPO, ServeProcess, restoration_spec, wait_for, wait_for_progress, wait_for_state


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


def _worker_pids(server_pid: int) -> list[int]:
    """Job workers the server spawned (any of its threads may have started them)."""
    pids = []
    for children in Path(f"/proc/{server_pid}/task").glob("*/children"):
        for pid in children.read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline")
            if cmdline.exists() and b"spawn_main" in cmdline.read_bytes():
                pids.append(int(pid))
    return pids


def test_health_serves_quickly_after_start(tmp_path: Path) -> None:
    server = ServeProcess(tmp_path / "ws")
    try:
        with server.client() as client:
            client.wait_ready(timeout_s=10)
            elapsed = time.monotonic() - server.started_at
        assert elapsed < 5.0  # the bench measures the real figure; this only guards against heavy imports
        assert "torch" not in Path(f"/proc/{server.process.pid}/maps").read_text()
    finally:
        server.stop()


def test_sigkill_then_restart_shows_interrupted_and_resume_finishes(tmp_path: Path) -> None:
    workspace, out = tmp_path / "ws", tmp_path / "pairs"
    server = ServeProcess(workspace)
    try:
        with server.client() as client:
            job = client.submit(restoration_spec(out, count=300, size=128))
            wait_for_progress(client, job.id, done=2)
            workers = wait_for(lambda: [p for p in _worker_pids(server.process.pid) if _pid_alive(p)], what="worker")
        server.kill()
        # the orphaned worker notices its parent is gone and ends by itself
        wait_for(lambda: not any(_pid_alive(p) for p in workers), timeout=10, what="orphaned worker to exit")
    finally:
        server.stop()
    restarted = ServeProcess(workspace)
    try:
        with restarted.client() as client:
            interrupted = client.get_job(job.id)
            assert interrupted.state == jobs_pb2.JOB_STATE_INTERRUPTED
            assert interrupted.resumable
            assert "stopped" in interrupted.message
            events = list(client.watch_job(job.id))
            assert events[-1].state.state == jobs_pb2.JOB_STATE_INTERRUPTED
            resumed = client.resume_job(job.id)
            assert wait_for_state(client, resumed.id, timeout=120).state == jobs_pb2.JOB_STATE_SUCCEEDED
        assert len(list((out / "clean").iterdir())) == 300
        assert len(list((out / "degraded").iterdir())) == 300
    finally:
        restarted.stop()


def test_sigterm_stops_gracefully_and_marks_running_jobs_interrupted(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    server = ServeProcess(workspace)
    try:
        with server.client() as client:
            job = client.submit(restoration_spec(tmp_path / "pairs", count=100_000))
            wait_for_progress(client, job.id, done=1)
        assert server.terminate(timeout=30) == 0
    finally:
        server.stop()
    restarted = ServeProcess(workspace)
    try:
        with restarted.client() as client:
            stopped = client.get_job(job.id)
        assert stopped.state == jobs_pb2.JOB_STATE_INTERRUPTED
        assert stopped.resumable
    finally:
        restarted.stop()


def test_one_backend_per_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    server = ServeProcess(workspace)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "omni_cli", "serve", "--port", "0", "--workspace", str(workspace)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert "in use by another backend" in second.stderr
        assert str(server.process.pid) in second.stderr
    finally:
        server.stop()


@pytest.mark.parametrize("reuse", [True])
def test_reuse_reports_the_running_backend(tmp_path: Path, reuse: bool) -> None:
    workspace = tmp_path / "ws"
    server = ServeProcess(workspace)
    try:
        ready = tmp_path / "ready.json"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "omni_cli",
                "serve",
                "--port",
                "0",
                "--workspace",
                str(workspace),
                "--reuse",
                "--ready-file",
                str(ready),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0
        import json

        info = json.loads(ready.read_text())
        assert info["reused"] and info["address"] == server.address
        with Connection(BackendTarget(info["address"], token=info["token"])) as client:
            assert client.system_info().workspace == str(workspace.resolve())
    finally:
        server.stop()
