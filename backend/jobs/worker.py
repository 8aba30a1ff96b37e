"""The worker process: runs one job function and streams its events back to the manager.

It is started with multiprocessing's *spawn* method (``backend.processes.spawn``), so it shares nothing with
the gRPC server's threads; torch, ultralytics and friends are imported here, never in the server. Messages go up
its pipe as ``JobEvent``, ``JobOutput`` and last ``JobDone``; cancellation comes down as a multiprocessing Event.
If the server dies (even by SIGKILL) the watchdog ends the worker, so nothing runs unattended. The worker leads
a process group of its own, which ends with it (``backend.jobs.lifeline``): no process a job started outlives it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from backend.jobs import lifeline
from backend.jobs.kind import JobKind
from backend.jobs.records import EventType, JobState, evaluation_payload, item_payload
from backend.processes.outcome import outcome
from backend.processes.watchdog import watch_parent
from backend.storage.local import LocalStore
from omni_core.confinement import Confinement
from omni_core.errors import JobCancelled
from protos.omni.v1 import jobs_pb2, training_pb2

PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True)
class JobEvent:
    type: EventType
    payload: dict[str, Any]


@dataclass(frozen=True)
class JobOutput:
    name: str
    value: str


@dataclass(frozen=True)
class JobDone:
    """The worker's last message: how the job ended."""

    state: JobState
    message: str


JobMessage = JobEvent | JobOutput | JobDone


class WorkerContext:
    """The ``JobContext`` a job function gets inside a worker process."""

    def __init__(
        self,
        *,
        job_id: str,
        resumed_from: str,
        workspace_root: Path,
        scratch_dir: Path,
        conn: Connection,
        cancel_event: Event,
        interrupt_event: Event | None = None,
        host_paths_allowed: bool = False,
    ) -> None:
        self.job_id = job_id
        self._interrupt_event = interrupt_event
        self.resumed_from = resumed_from
        self.store = LocalStore(workspace_root)
        self.workspace_root = Path(workspace_root)
        self.confinement = Confinement.of(self.workspace_root, host_paths_allowed=host_paths_allowed)
        self.scratch_dir = scratch_dir
        self._conn = conn
        self._cancel_event = cancel_event
        self._send_lock = threading.Lock()
        self._last_progress_at = 0.0
        self._samples: deque[tuple[float, int]] = deque(maxlen=50)

    # -- reporting --------------------------------------------------------------------------------

    def _send(self, message: JobMessage) -> None:
        with self._send_lock:
            self._conn.send(message)

    def _event(self, event_type: EventType, payload: dict[str, Any]) -> None:
        self._send(JobEvent(event_type, payload))

    def progress(self, done: int, total: int = 0, *, unit: str = "", message: str = "") -> None:
        now = time.monotonic()
        self._samples.append((now, done))
        finished = total > 0 and done >= total
        if not finished and now - self._last_progress_at < PROGRESS_INTERVAL_S:
            return
        self._last_progress_at = now
        rate = self._rate()
        eta = (total - done) / rate if total > 0 and rate > 0 else -1.0
        payload = {"done": done, "total": total, "eta_seconds": eta, "rate": rate, "unit": unit, "message": message}
        self._event(EventType.PROGRESS, payload)

    def _rate(self) -> float:
        """Units per second over the recent samples (a sliding window smooths bursty work)."""
        if len(self._samples) < 2:
            return 0.0
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else 0.0

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        self._event(EventType.METRIC, {"name": name, "value": float(value), "step": step, "epoch": epoch})

    def log(self, message: str, level: str = "info") -> None:
        self._event(EventType.LOG, {"level": level, "message": message})

    def artifact(self, key: str, kind: str, *, size_bytes: int = 0, sha256: str = "", description: str = "") -> None:
        payload = {"key": key, "kind": kind, "size_bytes": size_bytes, "sha256": sha256, "description": description}
        self._event(EventType.ARTIFACT, payload)

    def item(self, outcome: jobs_pb2.ItemOutcome) -> None:
        self._event(EventType.ITEM, item_payload(outcome))

    def evaluation(self, result: training_pb2.EvaluationResult) -> None:
        self._event(EventType.EVALUATION, evaluation_payload(result))

    def set_output(self, name: str, value: str) -> None:
        self._send(JobOutput(name, value))

    # -- cancellation -----------------------------------------------------------------------------

    @property
    def cancelled(self) -> bool:
        return self._cancel_event.is_set()

    @property
    def stop_reason(self) -> str:
        interrupted = self._interrupt_event is not None and self._interrupt_event.is_set()
        return "interrupted" if interrupted else "cancelled"

    def check_cancelled(self) -> None:
        if self._cancel_event.is_set():
            raise JobCancelled()


def _redirect_output(log_path: Path) -> None:
    """Send the job's own prints (Ultralytics is chatty) to its log file, not the server's terminal."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def worker_main(
    *,
    job_id: str,
    kind: JobKind,
    params: dict[str, Any],
    workspace_root: str,
    scratch_dir: str,
    resumed_from: str,
    host_paths_allowed: bool = False,
    parent_pid: int,
    conn: Connection,
    cancel_event: Event,
    interrupt_event: Event | None = None,
) -> None:
    """Entry point of the worker process. Always ends by sending ``JobDone``."""
    # A terminal's Ctrl+C reaches the whole process group; a job stops through its cancel flag instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lifeline.lead_own_group()  # before the job starts any process of its own
    # the server is gone: end this process and whatever it started (DataLoader workers, ...)
    watch_parent(parent_pid, on_orphaned=lifeline.kill_own_group)
    _redirect_output(Path(scratch_dir) / "worker.log")
    ctx = WorkerContext(
        job_id=job_id,
        resumed_from=resumed_from,
        workspace_root=Path(workspace_root),
        scratch_dir=Path(scratch_dir),
        conn=conn,
        cancel_event=cancel_event,
        interrupt_event=interrupt_event,
        host_paths_allowed=host_paths_allowed,
    )
    with outcome(swallow=BaseException) as ended:  # a job's crash must be reported, whatever it is
        run = kind.run_function()
        result = run(kind.load_params(params), ctx)
        if isinstance(result, dict):
            for name, value in result.items():
                if isinstance(value, str | int | float):
                    ctx.set_output(name, str(value))
    if ended.crashed:
        try:
            ctx.log(ended.trace, level="error")
        except (OSError, EOFError):
            pass
    lifeline.end_own_group()  # what the job left running (persistent DataLoader workers, ...) ends with it
    try:
        ctx._send(JobDone(JobState(ended.state), ended.error))
        conn.close()
    except (OSError, EOFError):
        pass
