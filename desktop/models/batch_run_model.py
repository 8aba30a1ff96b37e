"""A Batch restore run on screen, Qt-free: followed from its job updates (progress, images/s, ETA) and its
events, where one ``item`` event (``omni.v1.ItemOutcome``) per file says what became of it (restored, failed or
skipped): the lists of finished and failed files come from there. Log lines and progress messages are for
people; nothing here reads them.

A streamed run (from this machine to a remote backend, in-process on a worker thread) feeds the same model,
typed: ``start_remote``, ``apply_stream_ready``, ``apply_stream_progress``, ``apply_item``, ``apply_log``,
``stream_ended``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop.client.connection import TERMINAL_STATES
from desktop.models.batch_form_model import SUBFOLDERS_NOT_ENTERED
from desktop.models.events import Event
from desktop.models.formatting import format_duration, format_rate
from desktop.models.job_text import item_failed, percent_text
from omni_core.batch.formats import SUMMARY_TEXT, output_name
from omni_core.batch.remote import STOPPED_MESSAGE, ProgressView
from omni_core.batch.summary import BatchSummary
from protos.omni.v1 import batch_pb2, jobs_pb2

#: the end states of a streamed run (``BatchSummary.state``) as job states
STREAM_END_STATES = {
    "finished": jobs_pb2.JOB_STATE_SUCCEEDED,
    "stopped": jobs_pb2.JOB_STATE_CANCELLED,
    "failed": jobs_pb2.JOB_STATE_FAILED,
}
STREAMED = "restore (streamed)"  # the run's id when it is streamed (no job on the backend)


@dataclass
class BatchRunModel:
    """One restore_batch run on screen: progress from job updates, finished and failed files from item events.

    A streamed run has no backend job: its id is ``STREAMED`` and what it hears arrives typed from the run in
    this process (progress views, item outcomes, log lines, then its summary)."""

    job_id: str = ""
    input: str = ""
    out: str = ""
    format: str = "same"
    recursive: bool = False
    state: int = jobs_pb2.JOB_STATE_UNSPECIFIED
    message: str = ""
    done: int = 0
    total: int = 0
    rate: float = 0.0
    eta_seconds: float = -1.0
    finished: list[str] = field(default_factory=list)  # files done (restored, failed, restored before), in order
    failures: list[jobs_pb2.ItemOutcome] = field(default_factory=list)
    #: input -> output (under OUT) of every file with one, as its item said
    item_outputs: dict[str, str] = field(default_factory=dict)
    #: warnings of the run that are not an image's failure (e.g. inputs that look like the other domain)
    warnings: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    last_seq: int = 0
    #: a streamed run lost its connection and is trying again ("" while it is connected)
    reconnecting: str = ""

    def __post_init__(self) -> None:
        self.changed: Event[[]] = Event()  # progress or state
        self.failure_added: Event[[jobs_pb2.ItemOutcome]] = Event()
        self.file_finished: Event[[str]] = Event()
        self.reset: Event[[]] = Event()

    def start(self, job: jobs_pb2.Job) -> None:
        """Follow ``job`` from scratch."""
        spec = job.spec.restore_batch
        self.job_id, self.input, self.out = job.id, spec.input, spec.out
        self.format = spec.format or "same"
        self.recursive = spec.recursive
        self._begin(job.state, job.message)
        self.apply_job(job)

    def start_remote(self, input: str, out: str, format: str, recursive: bool) -> None:
        """Follow a run streamed from this machine, from scratch (it is running)."""
        self.job_id, self.input, self.out = STREAMED, input, out
        self.format, self.recursive = format or "same", recursive
        self._begin(jobs_pb2.JOB_STATE_RUNNING, "")
        self.changed.emit()

    def _begin(self, state: int, message: str) -> None:
        self.state, self.message = state, message
        self.done = self.total = 0
        self.rate, self.eta_seconds = 0.0, -1.0
        self.finished, self.failures, self.outputs, self.last_seq = [], [], {}, 0
        self.item_outputs = {}
        self.warnings = []
        self.reconnecting = ""
        self.reset.emit()

    @property
    def streamed(self) -> bool:
        return self.job_id == STREAMED

    # -- updates --------------------------------------------------------------------------------------

    def apply_job(self, job: jobs_pb2.Job) -> None:
        if job.id != self.job_id:
            return
        self.state, self.message = job.state, job.message
        self.outputs = dict(job.outputs)
        if job.progress.total or job.progress.done:
            self._progress(job.progress)
        self.changed.emit()

    def apply_event(self, event: jobs_pb2.JobEvent) -> None:
        if (event.job_id and event.job_id != self.job_id) or (event.seq and event.seq <= self.last_seq):
            return
        self.last_seq = max(self.last_seq, event.seq)
        kind = event.WhichOneof("payload")
        if kind == "progress":
            self._progress(event.progress)
            self.changed.emit()
        elif kind == "item":
            self._item(event.item)
        elif kind == "log" and event.log.level == jobs_pb2.LogLine.LEVEL_WARNING:
            self._warning(event.log.message)

    def apply_stream_progress(self, view: ProgressView) -> None:
        """A streamed run finished one more image."""
        if not self.streamed or not self.active:
            return
        self.reconnecting = ""
        progress = jobs_pb2.Progress(
            done=view.done, total=view.total, rate=view.rate, eta_seconds=view.eta_seconds, unit="images"
        )
        self._progress(progress)
        self.changed.emit()

    def apply_stream_ready(self, ready: batch_pb2.RestoreStreamReady) -> None:
        """The backend is ready to restore a streamed run: which export of the version runs, and why."""
        if self.streamed and self.active and ready.precision:
            self.outputs |= {"precision": ready.precision, "precision_reason": ready.precision_reason}
            self.changed.emit()

    def apply_item(self, item: jobs_pb2.ItemOutcome) -> None:
        """What became of one file of a streamed run."""
        if self.streamed and self.active:
            self._item(item)

    def apply_log(self, message: str, level: str) -> None:
        """A log line of a streamed run: warnings are shown, the rest is for the log."""
        if self.streamed and self.active and level == "warning":
            self._warning(message)

    def stream_reconnecting(self, error: str) -> None:
        """The streamed run's connection broke; it is waiting to stream the rest again."""
        if self.streamed and self.active:
            self.reconnecting = f"connection lost ({error}); reconnecting…"
            self.changed.emit()

    def stream_ended(self, summary: BatchSummary | None, error: str = "") -> None:
        """The streamed run is over: its summary (finished, stopped or failed), or the error it raised."""
        if not self.streamed or not self.active:
            return
        self.reconnecting = ""
        if summary is None:
            self.state, self.message = jobs_pb2.JOB_STATE_FAILED, error
        else:
            self.state = STREAM_END_STATES.get(summary.state, jobs_pb2.JOB_STATE_FAILED)
            self.message = STOPPED_MESSAGE if summary.state == "stopped" else summary.message
            counts = summary.counts()
            values = {
                "restored": counts.restored,
                "failed": counts.failed,
                SUBFOLDERS_NOT_ENTERED: counts.subfolders_not_entered,
                "model_domain": summary.model_domain,
                "domain_warning": summary.domain_warning,
                "precision": summary.precision,  # the export that ran and why, as the ready message said
                "precision_reason": summary.precision_reason,
            }
            self.outputs = {name: str(value) for name, value in values.items() if value not in ("", 0)}
        self.changed.emit()

    def _item(self, item: jobs_pb2.ItemOutcome) -> None:
        """A failure is listed as one (first) and as a finished file; a file skipped on purpose only when it
        has an output to show (restored by an earlier run), not when it is no image at all."""
        if item.skipped and not item.output:
            return
        if item.output:
            self.item_outputs[item.input] = item.output
        if item_failed(item) and all(failure.input != item.input for failure in self.failures):
            self.failures.append(item)
            self.failure_added.emit(item)
        if item.input not in self.finished:
            self.finished.append(item.input)
            self.file_finished.emit(item.input)

    def _warning(self, message: str) -> None:
        if message and message not in self.warnings:
            self.warnings.append(message)
            self.changed.emit()

    @property
    def model_domain(self) -> str:
        """What the run's model was trained for, once the run has said (empty before)."""
        return self.outputs.get("model_domain", "")

    def trained_for_text(self) -> str:
        """``model trained for photos`` - or that the card does not say (not stated, or an older card)."""
        domain = self.model_domain
        if domain in ("photo", "document"):
            return f"model trained for {domain}s"
        return f"model's domain: {domain}" if domain else ""

    @property
    def domain_warning(self) -> str:
        return self.outputs.get("domain_warning", "")

    def precision_text(self) -> str:
        """``"int8 (asked for)"``: the export of the version that ran and why, once the run has said (empty before;
        a backend older than precisions never says)."""
        precision = self.outputs.get("precision", "")
        reason = self.outputs.get("precision_reason", "")
        return f"{precision} ({reason})" if precision and reason else precision

    def _progress(self, progress: jobs_pb2.Progress) -> None:
        if progress.done < self.done and progress.total == self.total:
            return  # an older snapshot than an event already seen
        self.done, self.total = progress.done, progress.total
        self.rate, self.eta_seconds = progress.rate, progress.eta_seconds

    # -- reading --------------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return bool(self.job_id) and self.state not in TERMINAL_STATES

    @property
    def fraction(self) -> float | None:
        if self.state == jobs_pb2.JOB_STATE_SUCCEEDED:
            return 1.0
        return min(1.0, self.done / self.total) if self.total > 0 else None

    def restored(self) -> list[str]:
        """The files restored so far (finished and not failed), in the order they finished."""
        failed = {failure.input for failure in self.failures}
        return [name for name in self.finished if name not in failed]

    def progress_text(self) -> str:
        """``"40% · 2/5 images · 3.1 images/s · ETA 1s"``."""
        if not self.job_id:
            return ""
        fraction = self.fraction
        parts = [percent_text(fraction)] if fraction is not None else []
        parts.append(f"{self.done}/{self.total} images" if self.total else f"{self.done} images")
        if self.state == jobs_pb2.JOB_STATE_RUNNING:
            rate = format_rate(self.rate, "images")
            if rate:
                parts.append(rate)
            if self.eta_seconds >= 0 and self.total:
                parts.append(f"ETA {format_duration(self.eta_seconds)}")
        return " · ".join(parts)

    @property
    def subfolders_not_entered(self) -> int:
        """Subfolders of IN the run did not read (it was not recursive), once the backend has said so."""
        try:
            return max(0, int(self.outputs.get(SUBFOLDERS_NOT_ENTERED, "0") or 0))
        except ValueError:
            return 0

    def subfolders_text(self) -> str:
        """``"2 subfolders not entered: tick Recursive to restore their images"``, or "" when none."""
        count = self.subfolders_not_entered
        if not count:
            return ""
        noun = "subfolder" if count == 1 else "subfolders"
        return f"{count} {noun} not entered: tick Recursive to restore their images"

    def paths_of(self, relative: str) -> tuple[Path, Path]:
        """(input file, output file) of a file named as in the run's events (the output its item named)."""
        output = self.item_outputs.get(relative) or output_name(relative, self.format)
        return Path(self.input) / relative, Path(self.out) / output

    def summary_path(self) -> Path | None:
        """The plain-text summary in OUT (written at the end, also for failed or cancelled runs)."""
        text = self.outputs.get("summary_text")
        if text:
            return Path(text)
        return Path(self.out) / SUMMARY_TEXT if self.out else None
