"""Shared test helpers: waiting on jobs, running ``omni serve`` as a real child process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from desktop.client import BackendTarget, Connection
from desktop.client.connection import TERMINAL_STATES
from protos.omni.v1 import jobs_pb2, synthetic_pb2

REPO = Path(__file__).resolve().parents[1]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_for_state(
    client: Connection, job_id: str, states: Iterable[int] = TERMINAL_STATES, timeout: float = 60.0
) -> jobs_pb2.Job:
    wanted = set(states)
    return wait_for(
        lambda: (job := client.get_job(job_id)).state in wanted and job, timeout, what=f"job {job_id} in {wanted}"
    )


def wait_for_progress(client: Connection, job_id: str, done: int = 1, timeout: float = 60.0) -> jobs_pb2.Job:
    return wait_for(
        lambda: (job := client.get_job(job_id)).progress.done >= done and job,
        timeout,
        what=f"job {job_id} progress {done}",
    )


def restoration_spec(out: Path | str, count: int = 4, size: int = 64, seed: int = 0) -> jobs_pb2.JobSpec:
    return jobs_pb2.JobSpec(
        synth_restoration=synthetic_pb2.SynthRestorationSpec(count=count, out=str(out), size=size, seed=seed)
    )


class ServeProcess:
    """``omni serve`` in a child process, as an admin would run it."""

    def __init__(
        self,
        workspace: Path,
        token: str = "test-token",
        extra: list[str] | None = None,
        *,
        wrap: list[str] | None = None,
        tls_ca: Path | None = None,
    ) -> None:
        """``wrap`` goes before the command (e.g. ``ip netns exec NS``); ``tls_ca`` is what clients verify with."""
        self.workspace = workspace
        self.tls_ca = tls_ca
        self.token = token
        self.ready = workspace.parent / f"ready-{time.monotonic_ns()}.json"
        command = [
            *(wrap or []),
            sys.executable,
            "-m",
            "omni_cli",
            "serve",
            "--port",
            "0",
            "--workspace",
            str(workspace),
            "--ready-file",
            str(self.ready),
            *(extra or []),
        ]
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, "OMNI_TOKEN": token}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        wait_for(lambda: self.ready.exists() or self.process.poll() is not None, 30, what="omni serve ready file")
        if not self.ready.exists():
            raise AssertionError(
                f"omni serve exited: {self.process.stdout.read().decode() if self.process.stdout else ''}"
            )
        self.address = json.loads(self.ready.read_text())["address"]

    def client(self) -> Connection:
        return Connection(BackendTarget(self.address, token=self.token, tls_ca=self.tls_ca))

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
