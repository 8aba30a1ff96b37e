"""The run on the Train view: choose a run (running or past), see its live curves, progress and log;
cancel or resume it (the panel follows the new job); open its report or model.

The run on screen is ``TrainingRunModel``; its events come from one ``follow_run`` stream that replays the
run from its first event, so choosing a run (or reconnecting) always shows its whole history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.client import Connection
from desktop.models.job_text import can_cancel, can_resume
from desktop.models.training_run import MAX_LOG_LINES, TrainingRunModel
from desktop.models.training_runs import (
    TRAIN_KINDS,
    default_run,
    follow_run,
    model_version,
    report_id,
    run_label,
    training_jobs,
)
from desktop.qt.session import Session
from desktop.qt.theme import SPACING, monospace_font, state_colour
from desktop.qt.widgets.common import error_label, muted_label
from desktop.qt.widgets.training_plots import TrainingPlots
from desktop.qt.workers import StreamWorker
from protos.omni.v1 import jobs_pb2

PROGRESS_STEPS = 1000


class RunPanel(QGroupBox):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Run", parent)
        self.session = session
        self.jobs = session.jobs
        self.run = TrainingRunModel()
        self._stream: StreamWorker | None = None
        self._generation = 0  # which follow stream is the current one
        self._build()

        self.jobs.row_inserted.connect(self._row_inserted)
        self.jobs.row_changed.connect(self._row_changed)
        self.jobs.reset.connect(self._jobs_reset)
        self.jobs.snapshot_done.connect(self._snapshot_done)
        self.run.reset.connect(self._run_reset)
        self.run.status_changed.connect(self._show_status)
        self.run.series_changed.connect(self._show_summary)
        self.run.log_added.connect(self._append_log)
        session.connection_model.changed.connect(self._show_placeholder)
        self._rebuild_runs()
        self._follow_default()
        self._run_reset()

    def _build(self) -> None:
        self.runs = QComboBox()
        self.runs.setMinimumContentsLength(16)
        self.runs.currentIndexChanged.connect(self._run_chosen)
        self.state = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue from the last finished epoch in a new job")
        self.resume_button.clicked.connect(self._resume)
        top = QHBoxLayout()
        top.addWidget(self.runs, 1)
        top.addWidget(self.state)
        top.addWidget(self.cancel_button)
        top.addWidget(self.resume_button)

        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(10)
        self.progress_text = QLabel()
        self.progress_text.setMinimumWidth(220)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.progress_text)

        self.summary = muted_label()
        self.links = QLabel()
        self.links.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.links.linkActivated.connect(self._link)
        self.links.setVisible(False)

        self.plots = TrainingPlots(self.run)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setFont(monospace_font())
        self.log.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.log.setMaximumBlockCount(MAX_LOG_LINES)
        self.log.setPlaceholderText("The run's log appears here.")
        self.log_status = muted_label()
        self.action_error = error_label()
        log_box = QWidget()
        log_layout = QVBoxLayout(log_box)
        log_layout.setContentsMargins(0, 0, 0, 0)
        log_layout.addWidget(self.log, 1)
        log_layout.addWidget(self.log_status)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.plots)
        split.addWidget(log_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([440, 160])

        self.placeholder = muted_label()
        column = QVBoxLayout(self)
        column.setSpacing(SPACING)
        column.addLayout(top)
        column.addWidget(self.action_error)
        column.addWidget(self.placeholder)
        column.addLayout(progress_row)
        column.addWidget(self.summary)
        column.addWidget(self.links)
        column.addWidget(split, 1)

    # -- the list of runs -----------------------------------------------------------------------------

    def _rebuild_runs(self) -> None:
        self.runs.blockSignals(True)
        self.runs.clear()
        for job in training_jobs(self.jobs):
            self.runs.addItem(run_label(job), job.id)
        self.runs.setCurrentIndex(self.runs.findData(self.run.job_id) if self.run.job_id else -1)
        self.runs.blockSignals(False)
        self.runs.setEnabled(self.runs.count() > 0)
        self._show_placeholder()

    def _row_inserted(self, row: int) -> None:
        if self.jobs.job_at(row).kind in TRAIN_KINDS:
            self._rebuild_runs()
            if self.run.job_id is None and self.jobs.snapshot_complete:
                self._follow_default()

    def _row_changed(self, row: int) -> None:
        job = self.jobs.job_at(row)
        index = self.runs.findData(job.id)
        if index >= 0:
            self.runs.setItemText(index, run_label(job))
        if job.id == self.run.job_id:
            self.run.set_job(job)

    def _jobs_reset(self) -> None:
        self.follow(None)
        self._rebuild_runs()

    def _snapshot_done(self) -> None:
        """The jobs stream (re)connected: show a run if none is shown, and follow again if our stream gave up."""
        if self.run.job_id is None:
            self._follow_default()
        elif self._stream is None and not self.run.finished:
            self.follow(self.run.job_id)  # replays the run from its first event

    def _follow_default(self) -> None:
        if self.run.job_id is None:
            job = default_run(training_jobs(self.jobs))
            if job is not None:
                self.follow(job.id)

    def _run_chosen(self, index: int) -> None:
        job_id = self.runs.itemData(index)
        if isinstance(job_id, str):
            self.follow(job_id)

    # -- following a run ------------------------------------------------------------------------------

    def follow(self, job_id: str | None) -> None:
        """Show run ``job_id`` (None: no run), replaying its whole history and then following it live."""
        if job_id == self.run.job_id and (job_id is None or self._stream is not None or self.run.finished):
            return
        self._stop_stream()
        self.run.follow(job_id, self.jobs.job(job_id) if job_id else None)
        index = self.runs.findData(job_id) if job_id else -1
        if index != self.runs.currentIndex():
            self.runs.blockSignals(True)
            self.runs.setCurrentIndex(index)
            self.runs.blockSignals(False)
        if job_id is None:
            return

        def stream(connection: Connection, should_stop: Callable[[], bool]) -> Iterator[tuple[str, object]]:
            return follow_run(connection, job_id, should_stop)

        self._generation += 1
        generation = self._generation
        self._stream = self.session.open_stream(
            stream,
            name=f"train-{job_id}",
            on_items=lambda items: self._events_arrived(generation, items),
            on_finished=lambda error: self._stream_finished(generation, error),
        )
        self.log_status.setText("loading the run's history…" if self._stream is not None else "not connected")

    def _events_arrived(self, generation: int, items: list[tuple[str, jobs_pb2.JobEvent]]) -> None:
        if generation != self._generation:
            return
        batch: list[jobs_pb2.JobEvent] = []
        batch_job = ""
        for job_id, event in items:  # consecutive events of one job go in together
            if job_id != batch_job and batch:
                self.run.add_events(batch_job, batch)
                batch = []
            batch_job = job_id
            batch.append(event)
        if batch:
            self.run.add_events(batch_job, batch)
        if self.log_status.text().startswith("loading"):
            self.log_status.setText("following live…" if not self.run.finished else "")

    def _stream_finished(self, generation: int, error: BaseException | None) -> None:
        if generation != self._generation:
            return
        self._stream = None
        self.log_status.setText(f"event stream failed: {error}" if error is not None else "")

    def _stop_stream(self) -> None:
        self._generation += 1
        if self._stream is not None:
            self._stream.stop(wait_s=0)
        self._stream = None

    def stop(self) -> None:
        """The window is closing: stop following."""
        self._stop_stream()

    # -- drawing the run ------------------------------------------------------------------------------

    def _run_reset(self) -> None:
        self.log.setPlainText("\n".join(self.run.log_lines))
        self.action_error.setVisible(False)
        self._show_status()
        self._show_summary()

    def _append_log(self, lines: list[str]) -> None:
        bar = self.log.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        self.log.appendPlainText("\n".join(lines))
        if at_bottom:
            bar.setValue(bar.maximum())

    def _show_status(self) -> None:
        run = self.run
        job = self.jobs.job(run.job_id) if run.job_id else None
        self.state.setText(run.state_text())
        self.state.setStyleSheet(f"color: {state_colour(run.state).name()}; font-weight: 600;")
        fraction = run.progress_fraction()
        if fraction is None and not run.finished and run.job_id is not None:
            self.progress.setRange(0, 0)  # busy: checking data, exporting...
        else:
            self.progress.setRange(0, PROGRESS_STEPS)
            self.progress.setValue(int((fraction or 0.0) * PROGRESS_STEPS))
        self.progress_text.setText(run.progress_text())
        self.progress_text.setToolTip(run.state_message)
        # the run's events can be ahead of the jobs stream's snapshot: a finished run cannot be cancelled
        self.cancel_button.setEnabled(can_cancel(job) and not run.finished)
        self.resume_button.setEnabled(can_resume(job))
        links = []
        if model_version(job):
            links.append(f"Model <a href='model'>{model_version(job)}</a>")
        if report_id(job):
            links.append("<a href='report'>Open the report</a>")
        self.links.setText(" · ".join(links))
        self.links.setVisible(bool(links))
        if run.finished and run.state_message and run.state != jobs_pb2.JOB_STATE_SUCCEEDED:
            self.summary.setText(run.state_message)
        self._show_placeholder()

    def _show_summary(self) -> None:
        if not (self.run.finished and self.run.state_message and self.run.state != jobs_pb2.JOB_STATE_SUCCEEDED):
            self.summary.setText(self.run.latest_epoch_text())

    def _show_placeholder(self) -> None:
        if self.run.job_id is not None:
            text = ""
        elif not self.session.connection_model.connected:
            text = "Not connected to a backend (see Connect)."
        elif self.runs.count():
            text = "Choose a run to see its curves."
        else:
            text = "No training runs yet: fill in the parameters and press “Start training”."
        self.placeholder.setText(text)
        self.placeholder.setVisible(bool(text))

    def _link(self, which: str) -> None:
        job = self.jobs.job(self.run.job_id) if self.run.job_id else None
        if which == "report" and report_id(job):
            self.session.request_show("Reports", report_id(job))
        elif which == "model" and model_version(job):
            self.session.request_show("Models", model_version(job))

    # -- actions ---------------------------------------------------------------------------------------

    def _cancel(self) -> None:
        job_id = self.run.job_id
        if job_id is None:
            return
        self.cancel_button.setEnabled(False)
        self.session.run(
            lambda connection: connection.cancel_job(job_id),
            owner=self,
            on_result=self.jobs.upsert,
            on_error=lambda error: self._action_failed(f"Could not cancel {job_id}", error),
        )

    def _resume(self) -> None:
        job_id = self.run.job_id
        if job_id is None:
            return
        self.resume_button.setEnabled(False)
        self.session.run(
            lambda connection: connection.resume_job(job_id),
            owner=self,
            on_result=self._resumed,
            on_error=lambda error: self._action_failed(f"Could not resume {job_id}", error),
        )

    def _resumed(self, job: jobs_pb2.Job) -> None:
        self.jobs.upsert(job)
        self.follow(job.id)
        self.session.notify(f"Resumed as {job.id}")

    def _action_failed(self, what: str, error: BaseException) -> None:
        self.action_error.setText(f"{what}: {error}")
        self.action_error.setVisible(True)
        self._show_status()
