"""A restoration training with DataLoader worker processes (num_workers > 0), cancelled mid-run, or cut
short by the backend stopping, or by its job process being killed: no process it started outlives it.
Real job worker processes, real DataLoader workers, checked in the process table."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from backend.rpc.server import Backend
from desktop.client import Connection
from desktop.client.connection import BackendTarget
from protos.omni.v1 import jobs_pb2
from tests.backend.conftest import TOKEN
from tests.backend.training.test_training_job import train_spec
from tests.helpers import wait_for, wait_for_progress, wait_for_state

WORKERS = 2
#: torch's DataLoader workers notice a dead parent only every 5 s (MP_STATUS_CHECK_INTERVAL); ours at once
GONE_WITHIN_S = 3.0


def _job_processes() -> tuple[psutil.Process, list[psutil.Process]]:
    """The running job's worker process and its DataLoader workers (its children), once all are up."""

    def found() -> tuple[psutil.Process, list[psutil.Process]] | None:
        for child in psutil.Process().children():
            try:
                loaders = child.children()
            except psutil.NoSuchProcess:
                continue
            if len(loaders) >= WORKERS:
                return child, loaders
        return None

    return wait_for(found, timeout=60, what="the job's DataLoader workers")  # type: ignore[no-any-return]


def _alive(processes: list[psutil.Process]) -> list[str]:
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            continue
    return left


def _wait_gone(processes: list[psutil.Process], timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := _alive(processes)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _connect(backend: Backend) -> Connection:
    return Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN))


def _start(client: Connection, data: Path) -> tuple[str, psutil.Process, list[psutil.Process]]:
    job = client.submit(train_spec(data, epochs=10_000, num_workers=WORKERS, max_pairs=0))
    wait_for_progress(client, job.id, done=2, timeout=120)
    worker, loaders = _job_processes()
    return job.id, worker, loaders


def test_cancel_then_stop_leaves_no_process(make_backend: Callable[..., Backend], pairs_dir: Path) -> None:
    backend = make_backend()
    with _connect(backend) as client:
        job_id, worker, loaders = _start(client, pairs_dir)
        client.cancel_job(job_id)
        assert wait_for_state(client, job_id, timeout=60).state == jobs_pb2.JOB_STATE_CANCELLED
    backend.stop()
    assert _wait_gone([worker, *loaders], GONE_WITHIN_S) == []


def test_killed_job_process_takes_its_loader_workers(make_backend: Callable[..., Backend], pairs_dir: Path) -> None:
    """SIGKILL (what a stuck job gets after the grace period) runs no cleanup in the job process."""
    backend = make_backend()
    with _connect(backend) as client:
        job_id, worker, loaders = _start(client, pairs_dir)
        os.kill(worker.pid, signal.SIGKILL)
        assert wait_for_state(client, job_id, timeout=60).state == jobs_pb2.JOB_STATE_FAILED
        assert _wait_gone(loaders, GONE_WITHIN_S) == []
    backend.stop()


def test_backend_stop_mid_run_leaves_no_process(make_backend: Callable[..., Backend], pairs_dir: Path) -> None:
    backend = make_backend()
    with _connect(backend) as client:
        _job_id, worker, loaders = _start(client, pairs_dir)
    backend.stop(grace_s=1.0)
    assert _wait_gone([worker, *loaders], GONE_WITHIN_S) == []
