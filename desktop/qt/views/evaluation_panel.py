"""The Models view's Evaluation tab: score the selected restoration version on the real-image set (an
``evaluate`` job, as ``omni eval --model``), with its progress, Cancel, the result as a table per domain
and method, and the HTML report. Every call runs in the background; ``EvaluationModel`` holds the state."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.client import Connection
from desktop.models.evaluation_model import EvaluationModel
from desktop.qt.session import Session
from desktop.qt.widgets.common import error_label, muted_label
from desktop.qt.widgets.rows_table import RowsTableModel, make_table
from desktop.qt.workers import StreamWorker
from protos.omni.v1 import jobs_pb2

PROGRESS_STEPS = 1000


class EvaluationPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = EvaluationModel()
        self._stream: StreamWorker | None = None

        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setProperty("primary", True)
        self.evaluate_button.clicked.connect(self.evaluate)
        self.bm3d = QCheckBox("BM3D baseline too")
        self.bm3d.setToolTip("Score BM3D next to the input and NLM (a few seconds a crop: slow)")
        self.bm3d.toggled.connect(lambda checked: setattr(self.model, "bm3d", checked))
        self.self_ensemble = QCheckBox("Self-ensemble")
        self.self_ensemble.setToolTip(
            "Run the model as Batch's self-ensemble does (8 flips and turns averaged, 8x the time):\n"
            "see what it buys on real images before restoring a folder with it"
        )
        self.self_ensemble.toggled.connect(lambda checked: setattr(self.model, "self_ensemble", checked))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setFixedSize(180, 10)
        self.status = muted_label()
        row = QHBoxLayout()
        for widget in (self.evaluate_button, self.bm3d, self.self_ensemble, self.cancel_button, self.progress):
            row.addWidget(widget)
        row.addWidget(self.status, 1)

        self.error = error_label()
        self.table_model = RowsTableModel(self.model.columns(), self)
        self.table = make_table(self.table_model)
        self.table.setSelectionMode(self.table.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.verdicts = QLabel()
        self.verdicts.setWordWrap(True)
        self.report_button = QPushButton("Show the report")
        self.report_button.setToolTip("The evaluation's HTML report, as stored under evaluation/ on the backend")
        self.report_button.clicked.connect(self.show_report)
        self.report = QTextBrowser()
        self.report.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.verdicts)
        layout.addWidget(self.report_button)
        layout.addWidget(self.report, 1)
        self.model.changed.connect(self._show)
        self._show()

    # -- actions --------------------------------------------------------------------------------------

    def evaluate(self) -> None:
        if self.model.refusal():
            return
        spec = self.model.spec()
        self.model.submit_started()
        self.report.clear()
        self.report.setVisible(False)
        self.session.run(
            lambda connection: connection.submit(spec),
            owner=self,
            on_result=self._submitted,  # type: ignore[arg-type]
            on_error=lambda error: self.model.failed(f"Could not start the evaluation: {error}"),
        )

    def _submitted(self, job: jobs_pb2.Job) -> None:
        self.model.submitted(job)
        self.session.jobs.upsert(job)
        job_id = job.id

        def follow(connection: Connection, should_stop: Callable[[], bool]) -> Iterator[jobs_pb2.JobEvent]:
            return connection.follow_job(job_id, should_stop=should_stop)

        self._stream = self.session.open_stream(
            follow, name=f"evaluate-{job_id}", on_items=self.model.add_events, on_finished=self._stream_ended
        )

    def _stream_ended(self, error: BaseException | None) -> None:
        self._stream = None
        if error is not None:
            self.model.failed(f"Lost the evaluation's progress: {error}")

    def cancel(self) -> None:
        if not self.model.can_cancel():
            return
        job_id = self.model.job_id
        self.model.cancel_requested()
        self.session.run(
            lambda connection: connection.cancel_job(job_id),
            owner=self,
            on_error=lambda error: self.model.failed(f"Could not cancel: {error}"),
        )

    def show_report(self) -> None:
        key = self.model.report_key()
        if not key:
            return
        self.report_button.setEnabled(False)
        self.session.run(
            lambda connection: connection.get_artifact_text(key),
            owner=self,
            on_result=self._report_read,  # type: ignore[arg-type]
            on_error=lambda error: self._report_failed(error),
        )

    def _report_read(self, html: str) -> None:
        self.report.setHtml(html)
        self.report.setVisible(True)
        self.report_button.setEnabled(True)

    def _report_failed(self, error: BaseException) -> None:
        self.error.setText(f"Could not read the report: {error}")
        self.error.setVisible(True)
        self.report_button.setEnabled(True)

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop(wait_s=0)
        self._stream = None

    # -- model -> widgets -----------------------------------------------------------------------------

    def _show(self) -> None:
        model = self.model
        refusal = model.refusal()
        self.evaluate_button.setEnabled(not refusal)
        self.evaluate_button.setToolTip(refusal or "Score the selected version on held-out real photos and scans")
        self.bm3d.setEnabled(not model.running)
        self.self_ensemble.setEnabled(not model.running)
        self.cancel_button.setEnabled(model.can_cancel())
        self.cancel_button.setVisible(model.running)
        fraction = model.fraction()
        self.progress.setVisible(model.running or fraction == 1.0)
        if fraction is None:
            self.progress.setRange(0, 0)  # busy: the total is not known yet
        else:
            self.progress.setRange(0, PROGRESS_STEPS)
            self.progress.setValue(int(fraction * PROGRESS_STEPS))
        self.status.setText(model.status_text())
        self.error.setText(model.error)
        self.error.setVisible(bool(model.error))
        self.table_model.set_rows(model.rows(), model.columns())
        lines = model.verdicts()
        self.verdicts.setText("\n".join(lines))
        self.verdicts.setVisible(bool(lines))
        self.report_button.setVisible(bool(model.report_key()))
