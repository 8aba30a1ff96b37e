"""What Start and Cancel of the Batch view do: submit a ``restore_batch`` job and follow it, or stream the run
from this machine in-process (``RemoteRestoreRun``); either way the run lands in ``BatchRunModel``.

A job: the backend on this machine reads IN and writes OUT in place; progress comes from the session's jobs
stream, failures and finished files from the job's own events (``WatchJob``). A streamed run (always against a
remote backend, on request against a local one): the images are read here, streamed, and the results written
here; Cancel stops the stream at once, leaving whole outputs and a "stopped" summary.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QObject, Signal

from desktop.client import BackendError, Connection
from desktop.models.batch_form_model import BatchFormModel
from desktop.models.batch_run_model import BatchRunModel
from desktop.qt.remote_restore import STOP_WAIT_S, RemoteRestoreRun
from desktop.qt.session import Session
from desktop.qt.workers import StreamWorker
from omni_core.batch.summary import BatchSummary
from omni_core.errors import OmniError
from protos.omni.v1 import jobs_pb2

FIELD_ERRORS = ("INVALID_ARGUMENT", "NOT_FOUND", "PERMISSION_DENIED", "FAILED_PRECONDITION")


class BatchRunner(QObject):
    status = Signal(str)  # a line beside the buttons: "Submitting…", "Stopping…", a problem
    changed = Signal()  # whether a run can start changed

    def __init__(
        self, session: Session, form: BatchFormModel, run: BatchRunModel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session, self.form, self.run = session, form, run
        self._busy = False  # a job is being submitted
        self._events: StreamWorker | None = None
        self.stream: RemoteRestoreRun | None = None
        session.jobs.row_inserted.connect(self._job_row)
        session.jobs.row_changed.connect(self._job_row)

    @property
    def idle(self) -> bool:
        return not self._busy and not self.run.active and self.stream is None

    def start(self) -> None:
        if not self.idle or self.form.validate():
            return
        if self.form.streamed:
            self._start_streamed()
            return
        spec = self.form.job_spec()
        self._set_busy(True, "Submitting…")
        self.session.run(
            lambda connection: connection.submit(spec), owner=self, on_result=self._started, on_error=self._rejected
        )

    def cancel(self) -> None:
        job_id = self.run.job_id
        if not job_id or not self.run.active:
            return
        if self.stream is not None:
            self.stream.stop()
            self.status.emit("Stopping…")
            return
        self.session.run(
            lambda connection: connection.cancel_job(job_id),
            owner=self,
            on_result=self.session.jobs.upsert,
            on_error=lambda error: self.status.emit(f"could not cancel: {error}"),
        )

    def stop(self) -> None:
        """The window is closing: stop following the run, and stop a streamed run (its summary is written)."""
        self._stop_events()
        if self.stream is not None:
            self.stream.stop(STOP_WAIT_S)

    # -- a job ----------------------------------------------------------------------------------------

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.status.emit(text)
        self.changed.emit()

    def _started(self, job: jobs_pb2.Job) -> None:
        self._set_busy(False)
        self.form.clear_errors()
        self.session.jobs.upsert(job)
        self.follow(job)
        self.session.notify(f"Started batch restore {job.id}")

    def _rejected(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, BackendError) and error.code in FIELD_ERRORS:
            self.form.apply_server_error(error)
        else:
            self.form.apply_server_error(f"the run was not started: {error}")

    def follow(self, job: jobs_pb2.Job) -> None:
        """Show ``job`` and stream its events from the first (failures and finished files)."""
        self._stop_events()
        self.run.start(job)
        job_id = job.id

        def events(connection: Connection, should_stop: object) -> Iterator[jobs_pb2.JobEvent]:
            return connection.follow_job(job_id, should_stop=should_stop)  # type: ignore[arg-type]

        self._events = self.session.open_stream(
            events, name=f"batch-{job_id}", on_items=self._on_events, on_finished=self._events_ended
        )

    def _on_events(self, items: list[jobs_pb2.JobEvent]) -> None:
        for event in items:
            self.run.apply_event(event)

    def _events_ended(self, error: BaseException | None) -> None:
        self._events = None
        if error is not None:
            self.status.emit(f"lost the run's events: {error}")

    def _stop_events(self) -> None:
        if self._events is not None:
            self._events.stop(wait_s=0)
            self._events = None

    def _job_row(self, row: int) -> None:
        job = self.session.jobs.job_at(row)
        if job.id == self.run.job_id:
            self.run.apply_job(job)

    # -- a streamed run -------------------------------------------------------------------------------

    def _start_streamed(self) -> None:
        connection = self.session.connection
        if connection is None:
            return
        request = self.form.remote_request()
        self._stop_events()
        self.form.clear_errors()
        self.run.start_remote(str(request.input), str(request.out), request.options.format, request.recursive)
        stream = RemoteRestoreRun(connection.target, request, self)
        stream.progress.connect(self.run.apply_stream_progress)
        stream.item.connect(self.run.apply_item)
        stream.ready.connect(self.run.apply_stream_ready)
        stream.log_line.connect(self.run.apply_log)
        stream.reconnecting.connect(self._reconnecting)
        stream.ended.connect(self._stream_ended)
        self.stream = stream.start()
        self.status.emit("")
        self.changed.emit()
        self.session.notify("Started a streamed batch restore")

    def _reconnecting(self, error: BackendError) -> None:
        self.run.stream_reconnecting(str(error))
        self.session.notify(self.run.reconnecting)

    def _stream_ended(self, summary: BatchSummary | None, error: BaseException | None) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.deleteLater()
        self.run.stream_ended(summary, str(error) if error is not None else "")
        if summary is None and isinstance(error, (BackendError, OmniError)) and not self.run.done:
            self.form.apply_server_error(error)  # refused before any image: beside its field
        self.status.emit("")
        self.changed.emit()
