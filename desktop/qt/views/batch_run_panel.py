"""The Batch view's run panel: Start and Cancel, the run's state, progress, warnings and failures, and its
summary. It draws ``BatchRunModel``; what the buttons do is ``BatchRunner``'s."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.client.connection import state_name
from desktop.models.batch_run_model import BatchRunModel
from desktop.qt.theme import monospace_font
from desktop.qt.widgets.common import muted_label
from protos.omni.v1 import jobs_pb2

PROGRESS_STEPS = 1000


class BatchRunPanel(QWidget):
    def __init__(self, run: BatchRunModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.start_button = QPushButton("Start")
        self.start_button.setProperty("primary", True)
        self.cancel_button = QPushButton("Cancel")
        self.form_status = muted_label()
        buttons = QHBoxLayout()
        buttons.addWidget(self.form_status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)

        self.state = QLabel()
        self.state.setObjectName("status")
        self.state.setWordWrap(True)
        self.warnings = QLabel()
        self.warnings.setObjectName("warning")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #b9770e")
        self.warnings.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(10)
        self.progress_text = muted_label()
        self.precision = muted_label()
        self.precision.setWordWrap(True)  # an auto choice says why at length
        self.precision.setVisible(False)
        self.summary_button = QPushButton("Open summary")
        self.summary_button.clicked.connect(self.open_summary)
        self.failures = QListWidget()
        self.failures.setWordWrap(True)
        failures_box = QGroupBox("Failures")
        QVBoxLayout(failures_box).addWidget(self.failures)
        status_row = QHBoxLayout()
        status_row.addWidget(self.state, 1)
        status_row.addWidget(self.summary_button)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(buttons)
        column.addLayout(status_row)
        column.addWidget(self.progress)
        column.addWidget(self.progress_text)
        column.addWidget(self.precision)
        column.addWidget(self.warnings)
        column.addWidget(failures_box, 1)

        run.reset.connect(self.failures.clear)
        run.failure_added.connect(self._add_failure)

    def show_run(self, *, can_start: bool) -> None:
        run = self.run
        self.start_button.setEnabled(can_start)
        self.cancel_button.setEnabled(run.active)
        self.summary_button.setEnabled(bool(run.job_id) and not run.active)
        if not run.job_id:
            self.state.setText("No run yet")
            self.warnings.setVisible(False)
            self.precision.setVisible(False)
            self.progress.setValue(0)
            self.progress_text.setText("")
            return
        state = state_name(run.state) if run.state else "submitted"
        failed = f" · {len(run.failures)} failed" if run.failures else ""
        subfolders = f" · {run.subfolders_text()}" if run.subfolders_not_entered else ""
        trained = f" · {run.trained_for_text()}" if run.model_domain else ""
        self.state.setText(f"{run.job_id}: {state}{failed}{subfolders}{trained}")
        self.precision.setText(f"Precision: {run.precision_text()}")  # which export ran and why, once said
        self.precision.setVisible(bool(run.precision_text()))
        warnings = [run.domain_warning] if run.domain_warning and not run.warnings else run.warnings
        self.warnings.setText("\n".join(f"⚠ {warning}" for warning in warnings))
        self.warnings.setVisible(bool(warnings))
        fraction = run.fraction
        if fraction is None:
            self.progress.setRange(0, 0 if run.active else PROGRESS_STEPS)
        else:
            self.progress.setRange(0, PROGRESS_STEPS)
            self.progress.setValue(round(fraction * PROGRESS_STEPS))
        text = run.progress_text()
        note = run.reconnecting or (
            run.message if run.state in (jobs_pb2.JOB_STATE_FAILED, jobs_pb2.JOB_STATE_CANCELLED) else ""
        )
        if note:
            text = f"{text} — {note}" if text else note
        self.progress_text.setText(text)

    def _add_failure(self, failure: jobs_pb2.ItemOutcome) -> None:
        item = QListWidgetItem(f"{failure.input}\n    {failure.reason}")
        item.setToolTip(failure.reason)
        self.failures.addItem(item)

    # -- summary --------------------------------------------------------------------------------------

    def summary_text(self) -> str:
        path = self.run.summary_path()
        if path is None:
            return "No run yet."
        try:
            return path.read_text(encoding="utf-8")
        except OSError as error:
            return f"The summary {path} cannot be read here: {error.strerror or error}"

    def open_summary(self) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle(f"Summary of {self.run.job_id}")
        text = QPlainTextEdit(self.summary_text())
        text.setReadOnly(True)
        text.setFont(monospace_font())
        text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        QVBoxLayout(dialog).addWidget(text)
        dialog.resize(760, 560)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.summary_dialog = dialog
        self.summary_view = text
        return dialog
