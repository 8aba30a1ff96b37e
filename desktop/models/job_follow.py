"""Follow one job in the session's live ``JobsModel``: ``changed`` on every update, ``finished(job)`` once."""

from __future__ import annotations

from desktop.client.connection import TERMINAL_STATES
from desktop.models.events import Event
from desktop.models.job_text import progress_fraction
from desktop.models.jobs_model import JobsModel
from protos.omni.v1 import jobs_pb2


class JobFollow:
    def __init__(self, jobs: JobsModel) -> None:
        self.jobs = jobs
        self.job: jobs_pb2.Job | None = None
        self._finished_id = ""  # the job whose end was announced
        self.changed: Event[[]] = Event()
        self.finished: Event[[jobs_pb2.Job]] = Event()
        jobs.row_inserted.connect(self._row)
        jobs.row_changed.connect(self._row)

    def close(self) -> None:
        self.jobs.row_inserted.disconnect(self._row)
        self.jobs.row_changed.disconnect(self._row)

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.state not in TERMINAL_STATES

    def fraction(self) -> float | None:
        return progress_fraction(self.job) if self.job is not None else None

    def follow(self, job: jobs_pb2.Job) -> None:
        """Show ``job`` (as SubmitJob answered it); later states come from the jobs stream."""
        newer = self.jobs.job(job.id)
        self._update(newer if newer is not None and newer.last_seq >= job.last_seq else job)

    def _row(self, row: int) -> None:
        job = self.jobs.job_at(row)
        if self.job is not None and job.id == self.job.id:
            self._update(job)

    def _update(self, job: jobs_pb2.Job) -> None:
        self.job = job
        self.changed.emit()
        if job.state in TERMINAL_STATES and self._finished_id != job.id:
            self._finished_id = job.id
            self.finished.emit(job)
