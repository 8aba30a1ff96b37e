"""The jobs the backend knows, newest first, with the selected job and each job's event log.

Fed by ``WatchJobs`` (``apply_update``) and ``WatchJob`` (``add_events``). Both streams may replay what we
already have after a reconnect: a job never goes back to an older version (``last_seq`` only grows) and an
event log never holds the same ``seq`` twice.
"""

from __future__ import annotations

from collections.abc import Iterable

from desktop.models.events import Event
from protos.omni.v1 import jobs_pb2


def _order_key(job: jobs_pb2.Job) -> tuple[int, int, str]:
    """Sorts newest first: the negated creation time, then the id."""
    return (-job.created_at.seconds, -job.created_at.nanos, job.id)


class JobsModel:
    def __init__(self) -> None:
        self._jobs: dict[str, jobs_pb2.Job] = {}
        self._order: list[str] = []  # ids, newest first
        self._events: dict[str, list[jobs_pb2.JobEvent]] = {}
        self._last_event_seq: dict[str, int] = {}
        self.selected_id: str | None = None
        self.snapshot_complete = False
        self.row_inserted: Event[[int]] = Event()
        self.row_changed: Event[[int]] = Event()
        self.reset: Event[[]] = Event()
        self.selection_changed: Event[[str | None]] = Event()
        self.snapshot_done: Event[[]] = Event()
        self.events_added: Event[[str, list[jobs_pb2.JobEvent]]] = Event()

    # -- jobs -----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._jobs

    def job(self, job_id: str) -> jobs_pb2.Job | None:
        return self._jobs.get(job_id)

    def job_at(self, row: int) -> jobs_pb2.Job:
        return self._jobs[self._order[row]]

    def row_of(self, job_id: str) -> int | None:
        return self._order.index(job_id) if job_id in self._jobs else None

    def jobs(self) -> list[jobs_pb2.Job]:
        return [self._jobs[job_id] for job_id in self._order]

    @property
    def selected(self) -> jobs_pb2.Job | None:
        return self._jobs.get(self.selected_id) if self.selected_id else None

    def apply_update(self, update: jobs_pb2.JobUpdate) -> None:
        """One message of the ``WatchJobs`` stream."""
        if update.snapshot_done:
            self.snapshot_complete = True
            self.snapshot_done.emit()
            return
        if update.HasField("job"):
            self.upsert(update.job)

    def begin_snapshot(self) -> None:
        """A (re)connected ``WatchJobs`` stream starts; its snapshot refreshes the jobs we have."""
        self.snapshot_complete = False

    def upsert(self, job: jobs_pb2.Job) -> None:
        """Add ``job`` or replace our copy of it, unless ours is newer."""
        current = self._jobs.get(job.id)
        if current is None:
            row = self._insertion_row(job)
            self._jobs[job.id] = job
            self._order.insert(row, job.id)
            self.row_inserted.emit(row)
            return
        if job.last_seq < current.last_seq:
            return
        self._jobs[job.id] = job
        self.row_changed.emit(self._order.index(job.id))

    def clear(self) -> None:
        """Forget everything (another backend)."""
        self._jobs.clear()
        self._order.clear()
        self._events.clear()
        self._last_event_seq.clear()
        self.snapshot_complete = False
        self.reset.emit()
        self.select(None)

    def _insertion_row(self, job: jobs_pb2.Job) -> int:
        key = _order_key(job)
        for row, job_id in enumerate(self._order):
            if key < _order_key(self._jobs[job_id]):
                return row
        return len(self._order)

    # -- selection ------------------------------------------------------------------------------------

    def select(self, job_id: str | None) -> None:
        if job_id == self.selected_id:
            return
        self.selected_id = job_id
        self.selection_changed.emit(job_id)

    # -- event logs -----------------------------------------------------------------------------------

    def events(self, job_id: str) -> list[jobs_pb2.JobEvent]:
        return list(self._events.get(job_id, ()))

    def last_event_seq(self, job_id: str) -> int:
        """The ``after_seq`` to (re)start watching ``job_id`` from without a gap or a repeat."""
        return self._last_event_seq.get(job_id, 0)

    def add_events(self, job_id: str, events: Iterable[jobs_pb2.JobEvent]) -> list[jobs_pb2.JobEvent]:
        """Append the events not seen yet (by seq) and return them; the job's state and progress follow."""
        last = self._last_event_seq.get(job_id, 0)
        fresh = []
        for event in events:
            if event.seq <= last:
                continue
            fresh.append(event)
            last = event.seq
        if not fresh:
            return []
        self._events.setdefault(job_id, []).extend(fresh)
        self._last_event_seq[job_id] = last
        self._apply_events_to_job(job_id, fresh)
        self.events_added.emit(job_id, fresh)
        return fresh

    def _apply_events_to_job(self, job_id: str, events: list[jobs_pb2.JobEvent]) -> None:
        """Keep the job's row as fresh as its event log (the event stream can be ahead of WatchJobs)."""
        current = self._jobs.get(job_id)
        if current is None or events[-1].seq <= current.last_seq:
            return
        job = jobs_pb2.Job()
        job.CopyFrom(current)
        for event in events:
            if event.seq <= current.last_seq:
                continue
            kind = event.WhichOneof("payload")
            if kind == "progress":
                job.progress.CopyFrom(event.progress)
            elif kind == "state":
                job.state = event.state.state
                if event.state.message:
                    job.message = event.state.message
            job.last_seq = event.seq
        self._jobs[job_id] = job
        self.row_changed.emit(self._order.index(job_id))
