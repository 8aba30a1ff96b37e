"""Train: start a restoration or a detection training run from a form, and watch it (or any past run) in
the run panel.

A kind selector picks the form (Restoration | Detection). Start checks the form (as the server would),
submits a ``train_restoration`` or ``train_detection`` job and has the panel follow it; a server error lands
next to the field it names and the inputs stay.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.client import BackendError
from desktop.models.cloud_target import CloudTargetModel
from desktop.models.detection_form import DetectionFormModel
from desktop.models.train_form import TrainFormModel
from desktop.qt.job_kinds import JobKindsAsker
from desktop.qt.session import Session
from desktop.qt.theme import SPACING
from desktop.qt.views.cloud_target_box import CloudTargetBox
from desktop.qt.views.detection_form import DetectionForm
from desktop.qt.views.train_form import TrainForm
from desktop.qt.views.train_run_panel import RunPanel
from desktop.qt.widgets.common import error_label, muted_label, title
from omni_core.jobkinds import JobKind
from protos.omni.v1 import jobs_pb2

FIELD_ERRORS = ("INVALID_ARGUMENT", "PERMISSION_DENIED", "FAILED_PRECONDITION", "ALREADY_EXISTS")
KINDS = (("Restoration", "restoration"), ("Detection", "detection"))


class TrainView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.form_model = TrainFormModel()
        self.detection_model = DetectionFormModel()
        self.target_model = CloudTargetModel()
        self._busy = False
        self.job_kinds = JobKindsAsker(session, self, self._described)
        self.panel = RunPanel(session)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addWidget(title("Train", "Train a restoration network or a detector and watch it learn."))
        splitter = QSplitter()
        splitter.addWidget(self._build_form())
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([400, 700])
        layout.addWidget(splitter, 1)
        session.connection_model.changed.connect(self._connection_changed)

    def _connection_changed(self) -> None:
        if self.detection:
            self.refresh_datasets()
        self.job_kinds.ask_if_needed()  # the backend's defaults and limits for both forms
        if self.session.connection_model.connected:
            self.session.run(
                lambda connection: connection.list_instance_types(),
                owner=self,
                on_result=lambda listing: self.target_model.set_instance_types(
                    [item.name for item in listing.instance_types]
                ),
                on_error=lambda _error: None,  # the type can still be typed
            )

    def _described(self, kinds: dict[str, JobKind]) -> None:
        for name, form in (("train_restoration", self.form_model), ("train_detection", self.detection_model)):
            if name in kinds:
                form.set_description(kinds[name])

    def _build_form(self) -> QWidget:
        self.kind = QComboBox()
        for text, kind in KINDS:
            self.kind.addItem(text, kind)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.form = TrainForm(self.form_model)
        self.form.start_from.editingFinished.connect(self.look_up_start)
        self.detection_form = DetectionForm(self.detection_model)
        self.forms = QStackedWidget()
        self.forms.addWidget(self.form)
        self.forms.addWidget(self.detection_form)
        self.target_box = CloudTargetBox(self.target_model)
        self.target_box.plan_button.clicked.connect(self.plan)
        self.form_error = error_label()
        self.start_button = QPushButton("Start training")
        self.start_button.setProperty("primary", True)
        self.start_button.clicked.connect(self.start)
        self.form_status = muted_label()
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, SPACING, 0)
        column.addWidget(self.kind)
        column.addWidget(self.forms)
        column.addWidget(self.target_box)
        column.addWidget(self.form_error)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the column scrolls down only
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
        self.detection_model.errors_changed.connect(self._show_form_error)
        return box

    @property
    def detection(self) -> bool:
        return self.kind.currentData() == "detection"

    @property
    def current_model(self) -> TrainFormModel | DetectionFormModel:
        return self.detection_model if self.detection else self.form_model

    def show_item(self, version: str) -> None:
        """A restoration version to fine-tune (the Models view's Fine-tune): the form's next run starts from it."""
        self.set_kind("restoration")
        self.form_model.set("start_from", version)
        self.look_up_start()

    def look_up_start(self) -> None:
        """Ask the backend about the version in "Start from", so the form shows its network or why it cannot."""
        version = self.form_model.fields.start_from.strip()
        if not version or not self.session.connection_model.connected:
            return
        self.session.run(
            lambda connection: connection.get_model(version),
            owner=self,
            on_result=self.form_model.show_start,
            on_error=lambda error: self.form_model.start_refused(
                version, error.message if isinstance(error, BackendError) else str(error)
            ),
        )

    def set_kind(self, kind: str) -> None:
        """``"restoration"`` or ``"detection"``: which form is shown and submitted."""
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))

    def _kind_changed(self) -> None:
        self.forms.setCurrentIndex(1 if self.detection else 0)
        self._show_form_error()
        if self.detection:
            self.refresh_datasets()

    def refresh_datasets(self) -> None:
        """The detection form's dataset list (``list_datasets``)."""
        if not self.session.connection_model.connected:
            return
        self.session.run(
            lambda connection: connection.list_datasets(),
            owner=self,
            on_result=self._datasets_listed,
            on_error=lambda _error: None,  # the name can still be typed
        )

    def _datasets_listed(self, datasets: Any) -> None:
        self.detection_model.set_datasets([d.name for d in datasets])

    # -- starting a run -------------------------------------------------------------------------------

    def job_spec(self) -> jobs_pb2.JobSpec | None:
        """The job Start submits (on this backend or on SageMaker), or None while the form has errors."""
        model = self.current_model
        if model.validate():
            return None
        return self.target_model.wrap(model.job_spec())

    def plan(self) -> None:
        """What a SageMaker run of this form would send and cost (``Cloud.PlanTraining``); creates nothing."""
        model = self.current_model
        if self._busy or model.validate():
            return
        cloud = self.target_model.cloud_spec(model.job_spec())
        self.target_box.estimate.setText("Planning…")
        self.session.run(
            lambda connection: connection.plan_training(cloud),
            owner=self,
            on_result=self.target_model.set_plan,
            on_error=lambda error: self.target_box.estimate.setText(f"Not possible: {error}"),
        )

    def start(self) -> None:
        """Check the form and submit a training job; the view follows it once the backend accepts it."""
        if self._busy:
            return
        spec = self.job_spec()
        if spec is None:
            return
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
        self.current_model.clear_errors()
        self.session.jobs.upsert(job)
        self.panel.follow(job.id)
        self.session.notify(f"Started training {job.id}")

    def _rejected(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, BackendError) and error.code in FIELD_ERRORS:
            self.current_model.apply_server_error(error)
        else:
            self.current_model.apply_server_error(f"the run was not started: {error}")

    def _show_form_error(self) -> None:
        general = self.current_model.general_error
        self.form_error.setText(general)
        self.form_error.setVisible(bool(general))

    def stop(self) -> None:
        """The window is closing: stop following the run."""
        self.panel.stop()
