"""New synthetic data: a restoration or detection form over ``SynthFormModel``, a live preview, submit.

The dialog is modeless and keeps its inputs: a server error is shown next to the field it names and the
form stays as it was. Every RPC (describe, preview, submit) runs on a worker.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.client import BackendError
from desktop.models.synth_form import JOB_KINDS, KINDS, Kind, SynthFormModel
from desktop.models.yolo import parse_yolo_labels
from desktop.qt.dialogs.synth_fields import FieldSet
from desktop.qt.job_kinds import JobKindsAsker
from desktop.qt.session import Session
from desktop.qt.theme import SPACING
from desktop.qt.widgets.common import error_label, muted_label
from desktop.qt.widgets.preview import FittedImage, captioned, draw_yolo_boxes, pixmap_from_png
from omni_core.jobkinds import JobKind
from protos.omni.v1 import jobs_pb2, synthetic_pb2

FIELD_ERRORS = ("INVALID_ARGUMENT", "PERMISSION_DENIED", "FAILED_PRECONDITION", "ALREADY_EXISTS")
TAB_TITLES = {"restoration": "Restoration pairs", "detection": "Detection scenes"}


class SynthDialog(QDialog):
    submitted = Signal(object)  # the queued jobs_pb2.Job

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New synthetic data")
        self.setModal(False)
        self.resize(1120, 720)
        self.session = session
        self.model = SynthFormModel()
        self._described_for: str | None = None
        self.job_kinds = JobKindsAsker(session, self, self._parameters_described)
        self._busy = False

        self.fields: dict[Kind, FieldSet] = {kind: FieldSet(self.model, kind) for kind in KINDS}
        self.tabs = QTabWidget()
        self.previews: dict[Kind, _Preview] = {}
        for kind in KINDS:
            self.previews[kind] = _Preview(kind)
            self.previews[kind].refresh.clicked.connect(self.request_preview)
            self.tabs.addTab(self._page(kind), TAB_TITLES[kind])
        self.tabs.currentChanged.connect(self._tab_changed)

        self.error = error_label()
        self.status = muted_label()
        self.submit_button = QPushButton("Submit job")
        self.submit_button.setProperty("primary", True)
        self.submit_button.setDefault(True)
        self.submit_button.clicked.connect(self.submit)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(close)
        buttons.addWidget(self.submit_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING * 2)
        layout.setSpacing(SPACING)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.model.changed.connect(self._load)
        self.model.errors_changed.connect(self._show_errors)
        session.connection_model.changed.connect(self._connection_changed)
        self._load()

    # -- layout ---------------------------------------------------------------------------------------

    def _page(self, kind: Kind) -> QWidget:
        fields = self.fields[kind]
        form_box = QGroupBox("Parameters")
        form_box.setLayout(fields.form)
        form_box.setMinimumWidth(480)
        fields.browse.clicked.connect(lambda: self._browse(kind))
        if kind == "restoration":
            fields.browse_source.clicked.connect(self._browse_source)
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        row.setSpacing(SPACING * 2)
        row.addWidget(form_box, 5)
        row.addWidget(self.previews[kind], 6)
        return page

    def _tab_changed(self, index: int) -> None:
        self.model.set_kind(KINDS[index])
        preview = self.previews[self.model.kind]
        if self.model.described and not preview.images[0].has_image and preview.refresh.isEnabled():
            self.request_preview()  # the first look at a tab shows a sample

    # -- model -> widgets -----------------------------------------------------------------------------

    def _load(self) -> None:
        self.tabs.blockSignals(True)
        self.tabs.setCurrentIndex(KINDS.index(self.model.kind))
        self.tabs.blockSignals(False)
        for fields in self.fields.values():
            fields.load()
        self._load_degradations()
        self._show_errors()

    def _load_degradations(self) -> None:
        fields = self.fields["restoration"]
        known = self.model.known_degradations
        if [box.text() for box in fields.degradation_boxes] != [d.name for d in known]:
            fields.build_degradations(known)
        fields.load_degradations()

    def _show_errors(self) -> None:
        self.fields[self.model.kind].show_errors(self.model.errors)
        other: Kind = "detection" if self.model.kind == "restoration" else "restoration"
        self.fields[other].show_errors({})
        self.error.setText(self.model.general_error)
        self.error.setVisible(bool(self.model.general_error))

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.submit_button.setEnabled(not busy)
        self.status.setText(text)

    # -- describe -------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._describe_if_needed()

    def _connection_changed(self) -> None:
        if self.isVisible():
            self._describe_if_needed()

    def _describe_if_needed(self) -> None:
        self.job_kinds.ask_if_needed()
        model = self.session.connection_model
        address = model.target.address if model.connected and model.target else None
        if address is None or address == self._described_for:
            return
        self._described_for = address
        self.status.setText("Loading the backend's options…")
        self.session.run(
            lambda connection: connection.describe_synthetic(),
            owner=self,
            on_result=self._described,
            on_error=self._describe_failed,
        )

    def _parameters_described(self, kinds: dict[str, JobKind]) -> None:
        """The backend's defaults and limits of both forms (a remote backend's may differ from this client's)."""
        for kind, name in JOB_KINDS.items():
            if name in kinds:
                self.model.set_parameters(kind, kinds[name])

    def _described(self, description: synthetic_pb2.DescribeSyntheticResponse) -> None:
        first = not self.model.described
        self.model.set_description(description)
        self.status.setText("")
        if first:
            self.request_preview()

    def _describe_failed(self, error: BaseException) -> None:
        self._described_for = None
        self.status.setText("")
        self.model.apply_server_error(f"could not load the backend's options: {error}")

    # -- preview --------------------------------------------------------------------------------------

    def request_preview(self) -> None:
        kind = self.model.kind
        preview = self.previews[kind]
        index = preview.index.value()
        preview.set_loading()
        if kind == "restoration":
            spec_r = self.model.restoration_spec()
            self.session.run(
                lambda connection: connection.preview_restoration(spec_r, index),
                owner=self,
                on_result=preview.show_restoration,
                on_error=preview.show_error,
            )
        else:
            spec_d, names = self.model.detection_spec(), self.model.class_names()
            self.session.run(
                lambda connection: connection.preview_detection(spec_d, index),
                owner=self,
                on_result=lambda reply: preview.show_detection(reply, names),
                on_error=preview.show_error,
            )

    # -- submit ---------------------------------------------------------------------------------------

    def submit(self) -> None:
        if self._busy:
            return
        if self.model.validate():
            return
        spec = self.model.job_spec()
        self._set_busy(True, "Submitting…")
        self.session.run(
            lambda connection: connection.submit(spec),
            owner=self,
            on_result=self._accepted,
            on_error=self._rejected,
        )

    def _accepted(self, job: jobs_pb2.Job) -> None:
        self._set_busy(False)
        self.model.clear_errors()
        self.model.renew_out()
        self.submitted.emit(job)
        self.close()

    def _rejected(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, BackendError) and error.code in FIELD_ERRORS:
            self.model.apply_server_error(error)
        else:
            self.model.apply_server_error(f"the job was not submitted: {error}")

    def _browse(self, kind: Kind) -> None:
        current = self.model.fields_of(kind).out
        path = QFileDialog.getExistingDirectory(self, "Output folder (as the backend sees it)", current)
        if path:
            self.model.set("out", path, kind=kind)

    def _browse_source(self) -> None:
        current = self.model.restoration.source
        path = QFileDialog.getExistingDirectory(self, "Your clean images (as the backend sees them)", current)
        if path:
            self.model.set("source", path, kind="restoration")


class _Preview(QGroupBox):
    """One sample of the current parameters: clean vs degraded, or the scene with its boxes."""

    def __init__(self, kind: Kind) -> None:
        super().__init__("Preview")
        self.kind = kind
        self.index = QSpinBox()
        self.index.setRange(0, 1_000_000)
        self.index.setPrefix("sample ")
        self.refresh = QPushButton("Preview")
        self.caption = muted_label()
        self.caption.setWordWrap(True)
        self.images: list[FittedImage] = []
        top = QHBoxLayout()
        top.addWidget(self.index)
        top.addWidget(self.refresh)
        top.addStretch(1)
        pictures = QHBoxLayout()
        captions = ("Clean", "Degraded") if kind == "restoration" else ("Scene and labels",)
        for caption in captions:
            image = FittedImage("Press Preview to render one sample.")
            self.images.append(image)
            pictures.addWidget(captioned(image, caption), 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(pictures, 1)
        layout.addWidget(self.caption)

    def set_loading(self) -> None:
        self.refresh.setEnabled(False)
        self.caption.setText("Rendering…")

    def show_error(self, error: BaseException) -> None:
        self.refresh.setEnabled(True)
        self.caption.setText("")
        for image in self.images:
            image.show_message(f"No preview: {error}")

    def show_restoration(self, reply: synthetic_pb2.PreviewRestorationResponse) -> None:
        self.refresh.setEnabled(True)
        try:
            self.images[0].show_pixmap(pixmap_from_png(reply.clean_png))
            self.images[1].show_pixmap(pixmap_from_png(reply.degraded_png))
        except ValueError as error:
            self.show_error(error)
            return
        try:
            applied = list(json.loads(reply.applied_json or "{}"))
        except ValueError:
            applied = []
        size = self.images[0].pixmap_size()
        applied_text = ", ".join(applied) if applied else "no degradation"
        self.caption.setText(f"{reply.name} ({size.width()}x{size.height()} px): {applied_text}")

    def show_detection(self, reply: synthetic_pb2.PreviewDetectionResponse, class_names: list[str]) -> None:
        self.refresh.setEnabled(True)
        try:
            scene = pixmap_from_png(reply.image_png)
        except ValueError as error:
            self.show_error(error)
            return
        self.images[0].show_pixmap(draw_yolo_boxes(scene, reply.labels_txt, class_names))
        boxes = parse_yolo_labels(reply.labels_txt)
        counts: dict[str, int] = {}
        for box in boxes:
            name = class_names[box.class_id] if 0 <= box.class_id < len(class_names) else str(box.class_id)
            counts[name] = counts.get(name, 0) + 1
        listed = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
        self.caption.setText(f"{len(boxes)} boxes" + (f": {listed}" if listed else ""))
