"""The job manager: queues jobs, runs each in its own worker process, records what they report.

Threads: one scheduler (starts queued jobs while slots are free) and one supervisor per running
job (reads the worker's pipe, appends events in batches, sets the final state). Every change bumps
a version number under a condition variable; watchers (the ``WatchJob`` streams) wait on it.
"""

from __future__ import annotations

import functools
import logging
import secrets
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any, Protocol

from backend.jobs import lifeline
from backend.jobs.records import EventType, JobEventRecord, JobRecord, JobState
from backend.jobs.registry import KINDS, get_kind
from backend.jobs.store import JobStore
from backend.jobs.worker import JobDone, JobEvent, JobMessage, JobOutput, worker_main
from backend.processes.spawn import CONTEXT, Child, ChildGone, spawn
from backend.workspace import Workspace
from omni_core.errors import FailedPrecondition, InvalidArgument, OmniError, shown

log = logging.getLogger("omni.jobs")
RESUMABLE_STATES = (JobState.INTERRUPTED, JobState.CANCELLED, JobState.FAILED)
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)
INTERRUPTED_MESSAGE = "the backend stopped while the job ran"
#: outputs that only one active job may hold at a time: a folder it writes, a dataset it changes
EXCLUSIVE_OUTPUTS = frozenset({"out", "dataset", "prelabel"})


class JobObserver(Protocol):
    """Told of each job state change and output as it is recorded, on the thread that recorded it: an observer
    must be quick (write a row, wake a thread) and never wait on the network. What it raises is logged."""

    def job_state_changed(self, job: JobRecord) -> None: ...

    def job_output_set(self, job: JobRecord, name: str, value: str) -> None: ...


@dataclass
class _RunningJob:
    job_id: str
    child: Child
    cancel_event: Event
    interrupt_event: Event
    cancel_requested: bool = False
    shutdown_requested: bool = False
    supervisor: threading.Thread | None = None
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def process(self) -> BaseProcess:
        return self.child.process


def new_job_id(kind: str) -> str:
    """``<kind>_<UTC yyyymmdd_HHMMSS>_<4 hex>``: sortable, readable, unique enough per second."""
    return f"{kind}_{time.strftime('%Y%m%d_%H%M%S', time.gmtime())}_{secrets.token_hex(2)}"


class JobManager:
    def __init__(self, workspace: Workspace, *, max_concurrent: int = 2, cancel_grace_s: float = 5.0) -> None:
        self.workspace = workspace
        self.store = JobStore(workspace.db_path)
        self.max_concurrent = max(1, max_concurrent)
        self.cancel_grace_s = cancel_grace_s
        self._lock = threading.RLock()  # guards _running and queued→running / queued→cancelled moves
        self._running: dict[str, _RunningJob] = {}
        self._cond = threading.Condition()
        self._version = 0
        self._job_changes: deque[tuple[int, str]] = deque(maxlen=10_000)
        self._stopping = False
        self._held = False
        self._scheduler: threading.Thread | None = None
        self.observers: list[JobObserver] = []

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> list[str]:
        """Mark jobs a dead backend left running as interrupted, then start scheduling queued ones."""
        interrupted = self.store.mark_unfinished_interrupted(INTERRUPTED_MESSAGE)
        for job_id in interrupted:
            self._observe_state(job_id)
        self._scheduler = threading.Thread(target=self._schedule_loop, name="job-scheduler", daemon=True)
        self._scheduler.start()
        self._reattach()
        return interrupted

    def _reattach(self) -> None:
        """Resume the interrupted jobs whose kind re-attaches (their work went on while we were down) and that
        nobody resumed yet: whether this backend stopped cleanly or died, the work is followed again."""
        kinds = [name for name, kind in KINDS.items() if kind.reattach_on_start]
        if not kinds:
            return
        jobs = self.store.list_jobs(kinds=kinds, limit=10_000)
        continued = {job.resumed_from for job in jobs if job.resumed_from}
        for job in jobs:
            if job.state != JobState.INTERRUPTED or job.id in continued:
                continue
            job_id = job.id
            try:
                resumed = self.resume(job_id)
            except OmniError as error:
                log.warning("could not re-attach job %s: %s", job_id, error.message)
                continue
            log.info("job %s re-attaches to the work of %s", resumed.id, job_id)

    def hold(self, held: bool = True) -> None:
        """Start no queued job until ``hold(False)``: submits are still checked and recorded. For maintenance,
        and for tests that submit jobs nobody should run (a random spec may be a valid training job)."""
        self._held = held
        self._notify()

    def shutdown(self, grace_s: float = 10.0) -> None:
        """Stop scheduling; ask running jobs to stop (they end INTERRUPTED), kill what will not."""
        self._stopping = True
        self._notify()
        if self._scheduler is not None:
            self._scheduler.join(timeout=5)
        with self._lock:
            runs = list(self._running.values())
        for run in runs:
            run.shutdown_requested = True
            run.interrupt_event.set()  # set before the cancel, so the job reads the right reason
            run.cancel_event.set()
        deadline = time.monotonic() + grace_s
        for run in runs:
            _stop_process(run.process, max(0.0, deadline - time.monotonic()))
        for run in runs:
            if run.supervisor is not None:
                run.supervisor.join(timeout=10)

    # -- commands -----------------------------------------------------------------------------------

    def submit(
        self,
        kind_name: str,
        params: Any,
        *,
        labels: dict[str, str] | None = None,
        resumed_from: str = "",
        on_queued: Callable[[JobRecord], None] | None = None,
    ) -> JobRecord:
        """Queue a job. ``on_queued`` runs once it is recorded and before the scheduler can start it (e.g. to
        attach a notify URL that must see every state change)."""
        kind = get_kind(kind_name)
        prepared = kind.prepare(params, self.workspace, bool(resumed_from))
        with self._lock:
            self._refuse_shared_outputs(prepared.outputs)
            job = JobRecord(
                id=new_job_id(kind.name),
                kind=kind.name,
                params=kind.dump_params(prepared.params),
                created_at=time.time(),
                outputs=dict(prepared.outputs),
                labels=dict(labels or {}),
                resumed_from=resumed_from,
            )
            self.store.insert_job(job)
            self.store.append_events(job.id, [(EventType.STATE, {"state": JobState.QUEUED.value, "message": ""})])
            if on_queued is not None:
                on_queued(job)
        self._notify(job.id)
        return self._decorate(job)  # as queued: the scheduler may already have started it

    def resume(self, job_id: str) -> JobRecord:
        job = self.get(job_id)
        if not job.resumable:
            kind = KINDS.get(job.kind)
            why = "its kind cannot resume" if kind is None or not kind.resumable else f"it is {job.state.value}"
            raise FailedPrecondition(f"job {job_id} cannot be resumed: {why}")
        kind = get_kind(job.kind)
        return self.submit(job.kind, kind.load_params(job.params), labels=job.labels, resumed_from=job.id)

    def cancel(self, job_id: str) -> JobRecord:
        """Ask a job to stop. Queued jobs stop at once; running ones within the grace period."""
        with self._lock:
            job = self.store.get_job(job_id)
            if job.state == JobState.QUEUED:
                self._finish(job_id, JobState.CANCELLED, "cancelled before it started")
                return self.get(job_id)
            run = self._running.get(job_id)
            if run is not None and not run.cancel_requested:
                run.cancel_requested = True
                run.cancel_event.set()
                self.store.append_events(job_id, [(EventType.LOG, {"level": "info", "message": "cancel requested"})])
                threading.Timer(self.cancel_grace_s, _stop_process, args=(run.process,)).start()
        self._notify(job_id)
        return self.get(job_id)

    # -- queries ------------------------------------------------------------------------------------

    def worker_pid(self, job_id: str) -> int | None:
        """The process id of a running job's worker (for operators and crash tests), else None."""
        with self._lock:
            run = self._running.get(job_id)
            return run.process.pid if run is not None else None

    def get(self, job_id: str) -> JobRecord:
        return self._decorate(self.store.get_job(job_id))

    def list_jobs(
        self, *, states: Sequence[JobState] = (), kinds: Sequence[str] = (), limit: int = 100, offset: int = 0
    ) -> list[JobRecord]:
        jobs = self.store.list_jobs(states=states, kinds=kinds, limit=limit, offset=offset)
        return [self._decorate(job) for job in jobs]

    def events_after(self, job_id: str, after_seq: int, limit: int = 1000) -> list[JobEventRecord]:
        return self.store.events_after(job_id, after_seq, limit)

    # -- change notification --------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self._version

    def wait_for_change(self, version: int, timeout: float) -> int:
        """Block until something changed after ``version`` (or timeout); return the current version."""
        with self._cond:
            if self._version == version:
                self._cond.wait(timeout)
            return self._version

    def changed_jobs_since(self, version: int) -> list[str] | None:
        """Ids of jobs whose state/progress changed after ``version``; None if that is too far back."""
        with self._cond:
            full = len(self._job_changes) == self._job_changes.maxlen
            if full and self._job_changes[0][0] > version + 1:
                return None
            return list(dict.fromkeys(job_id for changed, job_id in self._job_changes if changed > version))

    def _notify(self, job_id: str | None = None) -> None:
        with self._cond:
            self._version += 1
            if job_id is not None:
                self._job_changes.append((self._version, job_id))
            self._cond.notify_all()

    # -- internals ----------------------------------------------------------------------------------

    def _decorate(self, job: JobRecord) -> JobRecord:
        kind = KINDS.get(job.kind)
        job.resumable = bool(kind and kind.resumable and job.state in RESUMABLE_STATES)
        return job

    def _refuse_shared_outputs(self, outputs: dict[str, str]) -> None:
        """Two active jobs may not write the same folder or into the same dataset (``EXCLUSIVE_OUTPUTS``);
        other outputs, such as the model a job reads, may be shared."""
        wanted = {(key, value) for key, value in outputs.items() if key in EXCLUSIVE_OUTPUTS}
        for other in self.store.list_jobs(states=ACTIVE_STATES, limit=10_000):
            shared = wanted & set(other.outputs.items())
            if shared:
                key, value = sorted(shared)[0]
                raise InvalidArgument(
                    key, f"{shown(value)} is already the output of job {other.id} ({other.state.value})"
                )

    def _schedule_loop(self) -> None:
        while not self._stopping:
            try:
                self._start_queued()
            except Exception as error:  # noqa: BLE001 - the scheduler must outlive one bad job
                print(f"omni: scheduler error: {error}", flush=True)
            version = self._version
            self.wait_for_change(version, timeout=1.0)

    def _start_queued(self) -> None:
        with self._lock:
            free = self.max_concurrent - len(self._running)
            if free <= 0 or self._stopping or self._held:
                return
            queued = self.store.list_jobs(states=[JobState.QUEUED], limit=10_000)
            for job in reversed(queued[-free:]):  # oldest first
                self._launch(job)

    def _launch(self, job: JobRecord) -> None:
        if job.kind not in KINDS:
            self._finish(job.id, JobState.FAILED, f"this backend cannot run jobs of kind {shown(job.kind)}")
            return
        scratch = self.workspace.job_dir(job.id)
        cancel_event = CONTEXT.Event()
        interrupt_event = CONTEXT.Event()
        self.store.update_job(job.id, state=JobState.RUNNING, started_at=time.time())
        self.store.append_events(job.id, [(EventType.STATE, {"state": JobState.RUNNING.value, "message": ""})])
        self._observe_state(job.id)
        child = spawn(
            worker_main,
            name=f"omni-job-{job.id}",
            daemon=False,  # a job starts processes of its own (DataLoader workers)
            job_id=job.id,
            kind=KINDS[job.kind],  # pickled by reference: the worker imports this kind's module, not every kind's
            params=job.params,
            workspace_root=str(self.workspace.root),
            host_paths_allowed=self.workspace.host_paths_allowed,
            scratch_dir=str(scratch),
            resumed_from=job.resumed_from,
            cancel_event=cancel_event,
            interrupt_event=interrupt_event,
        )
        run = _RunningJob(job.id, child, cancel_event, interrupt_event)
        self._running[job.id] = run
        run.supervisor = threading.Thread(target=self._supervise, args=(run,), name=f"supervise-{job.id}", daemon=True)
        run.supervisor.start()
        self._notify(job.id)

    def _supervise(self, run: _RunningJob) -> None:
        reported: tuple[JobState, str] | None = None
        try:
            ended = False
            while not ended:
                batch: list[JobMessage] = []
                try:
                    batch.append(run.child.receive())
                    while len(batch) < 500 and run.child.poll():
                        batch.append(run.child.receive())
                except ChildGone:
                    ended = True  # the worker is gone; what it sent before still counts
                if batch:
                    reported = self._record_batch(run, batch) or reported
        finally:
            _stop_process(run.process, self.cancel_grace_s + 5)
            state, message = self._final_state(run, reported)
            with self._lock:
                self._finish(run.job_id, state, message)
                self._running.pop(run.job_id, None)
            self._notify(run.job_id)

    def _record_batch(self, run: _RunningJob, batch: list[JobMessage]) -> tuple[JobState, str] | None:
        events: list[tuple[EventType, dict[str, Any]]] = []
        progress: dict[str, Any] | None = None
        outputs_changed = False
        new_outputs: list[tuple[str, str]] = []
        reported = None
        for message in batch:
            match message:
                case JobEvent(event_type, payload):
                    events.append((event_type, payload))
                    if event_type == EventType.PROGRESS:
                        progress = payload
                case JobOutput(name, value):
                    if run.outputs.get(name) != value:
                        new_outputs.append((name, value))
                    run.outputs[name] = value
                    outputs_changed = True
                case JobDone(state, text):
                    reported = (state, text)
        if events:
            self.store.append_events(run.job_id, events)
        updates: dict[str, Any] = {}
        if progress is not None:
            updates["progress"] = progress
        if outputs_changed:
            updates["outputs"] = {**self.store.get_job(run.job_id).outputs, **run.outputs}
        if updates:
            self.store.update_job(run.job_id, **updates)
        for name, value in new_outputs:
            self._observe(functools.partial(_tell_output, name=name, value=value), run.job_id)
        self._notify(run.job_id if updates else None)
        return reported

    @staticmethod
    def _final_state(run: _RunningJob, reported: tuple[JobState, str] | None) -> tuple[JobState, str]:
        if reported is not None and reported[0] == JobState.SUCCEEDED:
            return reported
        if run.shutdown_requested:
            return JobState.INTERRUPTED, INTERRUPTED_MESSAGE
        if reported is not None:
            return reported
        if run.cancel_requested:
            return JobState.CANCELLED, "stopped on request (the worker was ended after the grace period)"
        code = run.process.exitcode
        if code is not None and code < 0:
            return JobState.FAILED, f"the worker process died of {signal.Signals(-code).name}"
        return JobState.FAILED, f"the worker process exited with code {code} without reporting a result"

    def _finish(self, job_id: str, state: JobState, message: str) -> None:
        self.store.append_events(job_id, [(EventType.STATE, {"state": state.value, "message": message})])
        self.store.update_job(job_id, state=state, message=message, finished_at=time.time())
        self._observe_state(job_id)

    def _observe_state(self, job_id: str) -> None:
        self._observe(lambda observer, job: observer.job_state_changed(job), job_id)

    def _observe(self, tell: Callable[[JobObserver, JobRecord], None], job_id: str) -> None:
        if not self.observers:
            return
        try:
            job = self.get(job_id)
        except OmniError:
            return
        for observer in self.observers:
            try:
                tell(observer, job)
            except Exception:
                log.exception("a job observer failed on job %s", job_id)


def _tell_output(observer: JobObserver, job: JobRecord, *, name: str, value: str) -> None:
    observer.job_output_set(job, name, value)


def _stop_process(process: BaseProcess, grace_s: float = 0.0) -> None:
    """Give a worker ``grace_s`` to end, then terminate, then kill it, and its process group with it."""
    lifeline.stop_worker(process, grace_s)
