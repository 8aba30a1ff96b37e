"""A pre-labelling job (``JobSpec.prelabel``) followed from the session's live job stream: a status-bar line
while it runs, and ``finished(job)`` once, so the Annotate view reloads its image list and annotations."""

from __future__ import annotations

from desktop.client.connection import TERMINAL_STATES
from desktop.models.events import Event
from desktop.models.job_text import eta_text, percent_text, progress_fraction, state_text
from desktop.models.jobs_model import JobsModel
from protos.omni.v1 import jobs_pb2


class PrelabelWatch:
    """Follows one job id in ``JobsModel``; ``text()`` says how far it is."""

    def __init__(self, jobs: JobsModel) -> None:
        self.jobs = jobs
        self.job_id: str | None = None
        self.dataset = ""
        self.changed: Event[[str]] = Event()  # the status line
        self.finished: Event[[jobs_pb2.Job]] = Event()
        jobs.row_inserted.connect(self._row)
        jobs.row_changed.connect(self._row)

    def close(self) -> None:
        self.jobs.row_inserted.disconnect(self._row)
        self.jobs.row_changed.disconnect(self._row)

    def follow(self, job: jobs_pb2.Job) -> None:
        self.job_id, self.dataset = job.id, job.spec.prelabel.dataset
        self._update(job)

    @property
    def active(self) -> bool:
        return self.job_id is not None

    def _row(self, row: int) -> None:
        job = self.jobs.job_at(row)
        if self.job_id is not None and job.id == self.job_id:
            self._update(job)

    def _update(self, job: jobs_pb2.Job) -> None:
        self.changed.emit(prelabel_text(job))
        if job.state in TERMINAL_STATES:
            self.job_id = None
            self.finished.emit(job)


def prelabel_text(job: jobs_pb2.Job) -> str:
    """``"Pre-labelling parts: 12/40 images · 30% · ETA 5s"``, or how it ended."""
    name = job.spec.prelabel.dataset or "the dataset"
    if job.state == jobs_pb2.JOB_STATE_SUCCEEDED:
        done = f"{job.progress.done} images" if job.progress.done else "done"
        return f"Pre-labelling {name} finished: {done} to review (least confident first shows the doubtful ones)"
    if job.state in TERMINAL_STATES:
        why = f": {job.message}" if job.message else ""
        return f"Pre-labelling {name} {state_text(job)}{why}"
    if job.state == jobs_pb2.JOB_STATE_QUEUED:
        return f"Pre-labelling {name}: queued"
    parts = [f"Pre-labelling {name}"]
    progress = job.progress
    if progress.total > 0:
        parts.append(f"{progress.done}/{progress.total} {progress.unit or 'images'}")
    fraction = progress_fraction(job)
    if fraction is not None:
        parts.append(percent_text(fraction))
    eta = eta_text(job)
    if eta:
        parts.append(f"ETA {eta}")
    return " · ".join(parts)
