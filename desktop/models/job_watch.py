"""Notice jobs of some kinds finishing while we watch, to refresh what they produce (models, reports)."""

from __future__ import annotations

from collections.abc import Collection

from desktop.client.connection import TERMINAL_STATES
from desktop.models.events import Event
from desktop.models.jobs_model import JobsModel
from protos.omni.v1 import jobs_pb2


class JobFinishWatcher:
    """``finished(job)`` fires once when a job of ``kinds`` that we saw unfinished reaches a final state.

    Jobs that are already final when first seen (the snapshot of a fresh connection) do not fire; a view
    refreshes on ``JobsModel.snapshot_done`` for those.
    """

    def __init__(self, jobs: JobsModel, kinds: Collection[str]) -> None:
        self.jobs = jobs
        self.kinds = frozenset(kinds)
        self.finished: Event[[jobs_pb2.Job]] = Event()
        self._last_state: dict[str, int] = {}
        jobs.row_inserted.connect(self._row)
        jobs.row_changed.connect(self._row)
        jobs.reset.connect(self._last_state.clear)

    def _row(self, row: int) -> None:
        job = self.jobs.job_at(row)
        if job.kind not in self.kinds:
            return
        before = self._last_state.get(job.id)
        self._last_state[job.id] = job.state
        if job.state in TERMINAL_STATES and before is not None and before not in TERMINAL_STATES:
            self.finished.emit(job)
