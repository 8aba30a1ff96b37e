"""The selected job: its parameters, outputs, message and full event log, followed live.

The log is ``JobsModel``'s event log for the job; this widget starts a ``follow_job`` stream from the last
event we have whenever a job is selected, and stops it when the selection moves on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.client import Connection
from desktop.client.connection import TERMINAL_STATES
from desktop.models import JobsModel
from desktop.models.formatting import format_timestamp
from desktop.models.job_text import duration_text, event_line, progress_text, spec_text, state_text
from desktop.qt.session import Session
from desktop.qt.theme import SPACING, monospace_font, state_colour
from desktop.qt.widgets.common import form_layout, muted_label, value_label
from desktop.qt.workers import StreamWorker
from protos.omni.v1 import jobs_pb2

OPTIONAL_ROWS = frozenset({"Finished", "Resumed from", "Message"})  # hidden while empty


class JobDetail(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.jobs: JobsModel = session.jobs
        self._follow: StreamWorker | None = None
        self._generation = 0  # which follow stream is the current one

        self.heading = QLabel()
        self.heading.setFont(monospace_font(11))
        self.state = QLabel()
        self.placeholder = muted_label("Select a job to see its parameters, outputs and events.")

        self.fields: dict[str, QLabel] = {}
        self.form = form = form_layout()
        for name in (
            "Kind",
            "State",
            "Progress",
            "Created",
            "Started",
            "Finished",
            "Duration",
            "Resumed from",
            "Outputs",
            "Message",
        ):
            self.fields[name] = value_label()
            form.addRow(name, self.fields[name])
        self.fields["Outputs"].setFont(monospace_font())
        self.spec = value_label()
        self.spec.setFont(monospace_font())
        form.addRow("Parameters", self.spec)
        form_widget = QWidget()
        form_widget.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(form_widget)
        summary = QGroupBox("Job")
        summary_layout = QVBoxLayout(summary)
        summary_layout.setContentsMargins(0, SPACING, 0, 0)
        summary_layout.addWidget(scroll)

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setFont(monospace_font())
        self.log.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.log.setPlaceholderText("No events yet.")
        self.log_status = muted_label()
        log_box = QGroupBox("Event log")
        log_layout = QVBoxLayout(log_box)
        log_layout.addWidget(self.log, 1)
        log_layout.addWidget(self.log_status)

        self.splitter = QSplitter()
        self.splitter.addWidget(summary)
        self.splitter.addWidget(log_box)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([440, 620])

        header = QHBoxLayout()
        header.addWidget(self.heading)
        header.addWidget(self.state)
        header.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        layout.addLayout(header)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.splitter, 1)

        self.jobs.selection_changed.connect(self._selection_changed)
        self.jobs.row_changed.connect(self._row_changed)
        self.jobs.events_added.connect(self._events_added)
        self._selection_changed(self.jobs.selected_id)

    # -- following the selected job -------------------------------------------------------------------

    def _selection_changed(self, job_id: str | None) -> None:
        self._stop_follow()
        self.log.clear()
        self.log_status.setText("")
        if job_id is not None:
            lines = [event_line(event) for event in self.jobs.events(job_id)]
            if lines:
                self.log.setPlainText("\n".join(lines))
            self._start_follow(job_id)
        self._show_job()

    def _start_follow(self, job_id: str) -> None:
        job = self.jobs.job(job_id)
        after = self.jobs.last_event_seq(job_id)
        if job is not None and job.state in TERMINAL_STATES and after >= job.last_seq > 0:
            return  # we have the whole log of a finished job

        def follow(connection: Connection, should_stop: Callable[[], bool]) -> Iterator[jobs_pb2.JobEvent]:
            return connection.follow_job(job_id, after, should_stop=should_stop)

        self._generation += 1
        generation = self._generation
        self._follow = self.session.open_stream(
            follow,
            name=f"follow-{job_id}",
            on_items=lambda events: self.jobs.add_events(job_id, events),
            on_finished=lambda error: self._follow_finished(generation, error),
        )
        if self._follow is not None:
            self.log_status.setText("following live…")

    def _stop_follow(self) -> None:
        if self._follow is not None:
            self._follow.stop(wait_s=0)
        self._follow = None

    def _follow_finished(self, generation: int, error: BaseException | None) -> None:
        if generation != self._generation:  # a stream we stopped (the selection moved on)
            return
        self._follow = None
        self.log_status.setText(f"event stream failed: {error}" if error is not None else "")

    def stop(self) -> None:
        self._stop_follow()

    # -- drawing --------------------------------------------------------------------------------------

    def _events_added(self, job_id: str, events: list[jobs_pb2.JobEvent]) -> None:
        if job_id != self.jobs.selected_id:
            return
        at_bottom = self.log.verticalScrollBar().value() >= self.log.verticalScrollBar().maximum() - 2
        self.log.appendPlainText("\n".join(event_line(event) for event in events))
        if at_bottom:
            self.log.verticalScrollBar().setValue(self.log.verticalScrollBar().maximum())

    def _row_changed(self, row: int) -> None:
        selected = self.jobs.selected
        if selected is not None and self.jobs.job_at(row).id == selected.id:
            self._show_job()

    def _show_job(self) -> None:
        job = self.jobs.selected
        self.placeholder.setVisible(job is None)
        self.splitter.setVisible(job is not None)
        if job is None:
            self.heading.setText("")
            self.state.setText("")
            return
        self.heading.setText(job.id)
        self.state.setText(state_text(job))
        self.state.setStyleSheet(f"color: {state_colour(job.state).name()}; font-weight: 600;")
        values = {
            "Kind": job.kind,
            "State": state_text(job),
            "Progress": progress_text(job) + (f" — {job.progress.message}" if job.progress.message else ""),
            "Created": format_timestamp(job.created_at),
            "Started": format_timestamp(job.started_at),
            "Finished": format_timestamp(job.finished_at),
            "Duration": duration_text(job),
            "Resumed from": job.resumed_from,
            "Outputs": "\n".join(f"{key}: {value}" for key, value in sorted(job.outputs.items())),
            "Message": job.message + (" (resumable)" if job.resumable and job.state in TERMINAL_STATES else ""),
        }
        for name, value in values.items():
            self.fields[name].setText(value)
            if name in OPTIONAL_ROWS:
                self.form.setRowVisible(self.fields[name], bool(value))
        self.fields["Message"].setStyleSheet(
            f"color: {state_colour(job.state).name()};" if job.state == jobs_pb2.JOB_STATE_FAILED else ""
        )
        self.spec.setText(spec_text(job))
