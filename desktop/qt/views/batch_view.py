"""Batch: restore a folder of images with a registered restoration model (or, in Detect mode, find objects in
it with a registered detector: ``batch_detect_panel``), watch it, inspect the results.

A thin container of panels, each with one job: the form (``batch_form``), the run panel with Start, Cancel,
progress, failures and the summary (``batch_run_panel``), the results with the before/after viewer
(``batch_results``); what Start and Cancel do, a job on the backend or a run streamed from this machine
in-process, is ``batch_runner``'s. The view-models: ``desktop/models/batch_form_model.py`` (the form) and
``batch_run_model.py`` (a run).
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from desktop.models.batch_form_model import KIND, BatchFormModel
from desktop.models.batch_run_model import BatchRunModel
from desktop.models.job_watch import JobFinishWatcher
from desktop.qt.job_kinds import JobKindsAsker
from desktop.qt.session import Session
from desktop.qt.theme import SPACING
from desktop.qt.views.batch_detect_panel import BatchDetectPanel
from desktop.qt.views.batch_form import BatchForm
from desktop.qt.views.batch_results import BatchResults
from desktop.qt.views.batch_run_panel import BatchRunPanel
from desktop.qt.views.batch_runner import BatchRunner
from desktop.qt.widgets.common import error_label, muted_label, title
from omni_core.jobkinds import JobKind


class BatchView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.form_model = BatchFormModel()
        self.run = BatchRunModel()
        self.runner = BatchRunner(session, self.form_model, self.run, self)
        self.job_kinds = JobKindsAsker(session, self, self._described)

        self.form = BatchForm(self.form_model)
        self.form.refresh_models.clicked.connect(self.load_models)
        self.form_error = error_label()
        self.remote_note = muted_label(
            "This backend runs on another machine: the images are streamed to it from this machine "
            "and the results are written here."
        )
        self.remote_note.setVisible(False)
        self.controls = BatchRunPanel(self.run)
        self.controls.start_button.clicked.connect(self.runner.start)
        self.controls.cancel_button.clicked.connect(self.runner.cancel)
        self.results = BatchResults(self.run, session.runner)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, SPACING, 0)
        column.addWidget(self.form)
        column.addWidget(self.form_error)
        column.addWidget(self.remote_note)
        column.addWidget(self.controls, 1)
        left.setMinimumWidth(340)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.results)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([420, 760])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addWidget(
            title("Batch", "Restore or inspect a whole folder with a registered model; resumable, summary in OUT.")
        )
        # the mode switch: Restore (the panels above) or Detect (its own panel over its own model)
        self.detect_panel = BatchDetectPanel(session)
        self.mode = QComboBox()
        self.mode.addItems(["Restore", "Detect"])
        self.pages = QStackedWidget()
        self.pages.addWidget(splitter)
        self.pages.addWidget(self.detect_panel)
        self.mode.currentIndexChanged.connect(self.pages.setCurrentIndex)
        mode_row = QHBoxLayout()
        mode_row.addWidget(QLabel("Mode"))
        mode_row.addWidget(self.mode)
        mode_row.addStretch(1)
        layout.addLayout(mode_row)
        layout.addWidget(self.pages, 1)

        self.form_model.errors_changed.connect(self._show_form_error)
        for event in (self.run.changed, self.run.reset, self.run.failure_added):
            event.connect(lambda *_: self._refresh())
        self.runner.changed.connect(self._refresh)
        self.runner.status.connect(self.controls.form_status.setText)
        session.connection_model.changed.connect(self._connection_changed)
        self._trained = JobFinishWatcher(session.jobs, {"train_restoration"})
        self._trained.finished.connect(lambda _job: self.load_models())
        self._connection_changed()

    def start(self) -> None:
        self.runner.start()

    def load_models(self) -> None:
        self.session.run(
            lambda connection: connection.list_models(kind="restoration"),
            owner=self,
            on_result=self.form.set_models,
            on_error=lambda error: self.controls.form_status.setText(f"could not list models: {error}"),
        )

    def stop(self) -> None:
        """The window is closing: stop following the run, and stop a streamed run (whole outputs)."""
        self.runner.stop()
        self.detect_panel.stop()

    def _connection_changed(self) -> None:
        model = self.session.connection_model
        connected = model.connected and self.session.connection is not None
        remote = connected and not model.reads_our_folders  # the same rule as a dataset import's
        self.form_model.set_backend_remote(remote)
        self.remote_note.setVisible(remote)
        if connected:
            self.load_models()
            self.job_kinds.ask_if_needed()
        self._refresh()

    def _described(self, kinds: dict[str, JobKind]) -> None:
        """The backend's limits for the form (a remote one's may differ from this client's table)."""
        if KIND in kinds:
            self.form_model.set_description(kinds[KIND])

    def _refresh(self) -> None:
        self.controls.show_run(can_start=self.session.connection_model.connected and self.runner.idle)

    def _show_form_error(self) -> None:
        self.form_error.setText(self.form_model.general_error)
        self.form_error.setVisible(bool(self.form_model.general_error))
