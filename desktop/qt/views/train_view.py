"""Train: start a restoration training run from a form, and watch it (or any past run) in the run panel.

Start checks the form (as the server would), submits a ``train_restoration`` job and has the panel follow
it; a server error lands next to the field it names and the inputs stay.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.client import BackendError
from desktop.models.train_form import TrainFormModel
from desktop.qt.session import Session
from desktop.qt.theme import SPACING
from desktop.qt.views.train_form import TrainForm
from desktop.qt.views.train_run_panel import RunPanel
from desktop.qt.widgets.common import error_label, muted_label, title
from protos.omni.v1 import jobs_pb2

FIELD_ERRORS = ("INVALID_ARGUMENT", "PERMISSION_DENIED", "FAILED_PRECONDITION", "ALREADY_EXISTS")


class TrainView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.form_model = TrainFormModel()
        self._busy = False
        self.panel = RunPanel(session)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addWidget(title("Train", "Train a restoration network on clean/degraded pairs and watch it learn."))
        splitter = QSplitter()
        splitter.addWidget(self._build_form())
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([400, 700])
        layout.addWidget(splitter, 1)

    def _build_form(self) -> QWidget:
        self.form = TrainForm(self.form_model)
        self.form_error = error_label()
        self.start_button = QPushButton("Start training")
        self.start_button.setProperty("primary", True)
        self.start_button.clicked.connect(self.start)
        self.form_status = muted_label()
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, SPACING, 0)
        column.addWidget(self.form)
        column.addWidget(self.form_error)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        buttons = QHBoxLayout()
        buttons.addWidget(self.form_status, 1)
        buttons.addWidget(self.start_button)
        box = QGroupBox("New run")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(scroll, 1)
        box_layout.addLayout(buttons)
        box.setMinimumWidth(300)
        self.form_model.errors_changed.connect(self._show_form_error)
        return box

    # -- starting a run -------------------------------------------------------------------------------

    def start(self) -> None:
        """Check the form and submit a training job; the view follows it once the backend accepts it."""
        if self._busy or self.form_model.validate():
            return
        spec = self.form_model.job_spec()
        self._set_busy(True, "Submitting…")
        self.session.run(
            lambda connection: connection.submit(spec),
            owner=self,
            on_result=self._started,
            on_error=self._rejected,
        )

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.start_button.setEnabled(not busy)
        self.form_status.setText(text)

    def _started(self, job: jobs_pb2.Job) -> None:
        self._set_busy(False)
        self.form_model.clear_errors()
        self.session.jobs.upsert(job)
        self.panel.follow(job.id)
        self.session.notify(f"Started training {job.id}")

    def _rejected(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, BackendError) and error.code in FIELD_ERRORS:
            self.form_model.apply_server_error(error.message)
        else:
            self.form_model.apply_server_error(f"the run was not started: {error}")

    def _show_form_error(self) -> None:
        self.form_error.setText(self.form_model.general_error)
        self.form_error.setVisible(bool(self.form_model.general_error))

    def stop(self) -> None:
        """The window is closing: stop following the run."""
        self.panel.stop()
