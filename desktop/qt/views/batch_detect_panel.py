"""The Batch view's Detect mode: detect objects in a folder with a registered detector, streamed from this
machine (``desktop/models/batch_detect_model.py`` holds the state; this only draws it and writes back).

The run happens on a worker thread (``Session.open_stream``, its own channel); progress, the boxes per class, the
failed images and each annotated image as it is written come back on the UI thread. Cancel sets the run's stop
event (``DetectRunModel.stop_requested``): the stream is cancelled at once and the writes under way finish, so the
outputs are whole; closing the window stops it too.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.models.batch_detect_model import (
    CURRENT,
    KIND,
    DetectFormModel,
    DetectRunModel,
    RunError,
    detector_choices,
    run_events,
)
from desktop.qt.session import Session
from desktop.qt.theme import SPACING, set_invalid
from desktop.qt.views.batch_form import FolderField
from desktop.qt.widgets.common import error_label, form_layout, muted_label
from desktop.qt.widgets.file_viewer import FileViewer
from desktop.qt.widgets.split_viewer import load_image
from desktop.qt.workers import StreamWorker
from protos.omni.v1 import jobs_pb2, models_pb2

PROGRESS_STEPS = 1000


class DetectForm(QGroupBox):
    """The widgets of ``DetectFormModel``: each writes its field back on change; errors show beside them."""

    def __init__(self, model: DetectFormModel, parent: QWidget | None = None) -> None:
        super().__init__("Detect in a folder", parent)
        self.model = model
        self.input = FolderField("Input folder")
        self.out = FolderField("Output folder")
        self.detectors = QComboBox()
        self.detectors.setMinimumContentsLength(24)
        self.refresh = QPushButton("↻")
        self.refresh.setToolTip("Reload the registered detectors")
        self.conf = QDoubleSpinBox()
        self.conf.setRange(0.0, 0.99)
        self.conf.setSingleStep(0.05)
        self.conf.setDecimals(2)
        self.conf.setSpecialValueText("backend default")
        self.recursive = QCheckBox("Include subfolders (--recursive)")
        self.resume = QCheckBox("Skip images already done (resume)")
        self.resume.setChecked(model.fields.resume)
        self.set_detectors([])

        self.error_labels: dict[str, QLabel] = {}
        form = form_layout()
        detector_row = QHBoxLayout()
        detector_row.addWidget(self.detectors, 1)
        detector_row.addWidget(self.refresh)
        rows: list[tuple[str, str, QWidget | QHBoxLayout]] = [
            ("Input", "input", self.input),
            ("Output", "out", self.out),
            ("Detector", "model", detector_row),
            ("Confidence", "conf", self.conf),
            ("", "recursive", self.recursive),
            ("", "resume", self.resume),
        ]
        for label, name, widget in rows:
            column = QVBoxLayout()
            if isinstance(widget, QHBoxLayout):
                column.addLayout(widget)
            else:
                column.addWidget(widget)
            self.error_labels[name] = error_label()
            self.error_labels[name].setVisible(False)
            column.addWidget(self.error_labels[name])
            form.addRow(label, column)
        self.setLayout(form)

        f = model.fields
        self.input.edit.textChanged.connect(lambda text: setattr(f, "input", text))
        self.out.edit.textChanged.connect(lambda text: setattr(f, "out", text))
        self.conf.valueChanged.connect(lambda value: setattr(f, "conf", float(value)))
        self.recursive.toggled.connect(lambda on: setattr(f, "recursive", on))
        self.resume.toggled.connect(lambda on: setattr(f, "resume", on))
        self.detectors.currentIndexChanged.connect(self._detector_chosen)
        model.errors_changed.connect(self._show_errors)

    def set_detectors(self, versions: list[models_pb2.ModelVersion]) -> None:
        chosen = self.model.fields.model
        self.detectors.blockSignals(True)
        self.detectors.clear()
        for label, value in detector_choices(versions):
            self.detectors.addItem(label, value)
        index = self.detectors.findData(chosen)
        self.detectors.setCurrentIndex(max(0, index))
        self.detectors.blockSignals(False)
        self._detector_chosen()

    def _detector_chosen(self) -> None:
        self.model.fields.model = str(self.detectors.currentData() or CURRENT)

    def _show_errors(self) -> None:
        for name, label in self.error_labels.items():
            message = self.model.errors.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        for name, widget in (("input", self.input.edit), ("out", self.out.edit), ("conf", self.conf)):
            set_invalid(widget, name in self.model.errors)


class BatchDetectPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.form_model = DetectFormModel()
        self.run = DetectRunModel()
        self._worker: StreamWorker | None = None
        self._chosen = False  # the user picked an image: new ones no longer replace it in the viewer
        self._shown = ""

        splitter = QSplitter()
        splitter.addWidget(self._build_left())
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([420, 760])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.form_model.errors_changed.connect(self._show_general_error)
        self.run.changed.connect(self._show_progress)
        self.run.failure_added.connect(self._add_failure)
        self.run.image_finished.connect(self._add_image)
        session.connection_model.changed.connect(self._connection_changed)
        self._connection_changed()
        self._show_progress()

    # -- layout ---------------------------------------------------------------------------------------------

    def _build_left(self) -> QWidget:
        self.form = DetectForm(self.form_model)
        self.form.refresh.clicked.connect(self.load_detectors)
        self.general_error = error_label()
        self.general_error.setVisible(False)
        self.start_button = QPushButton("Start")
        self.start_button.setProperty("primary", True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.start_button)
        self.state = QLabel()
        self.state.setObjectName("status")
        self.state.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(10)
        self.progress_text = muted_label()
        self.counts = QTableWidget(0, 3)
        self.counts.setHorizontalHeaderLabels(["Class", "Boxes", "Images"])
        self.counts.verticalHeader().setVisible(False)
        self.counts.horizontalHeader().setStretchLastSection(True)
        self.counts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        counts_box = QGroupBox("Boxes per class")
        QVBoxLayout(counts_box).addWidget(self.counts)
        self.failures = QListWidget()
        self.failures.setWordWrap(True)
        failures_box = QGroupBox("Failed images")
        QVBoxLayout(failures_box).addWidget(self.failures)

        column = QWidget()
        col = QVBoxLayout(column)
        col.setContentsMargins(0, 0, SPACING, 0)
        col.addWidget(self.form)
        col.addWidget(self.general_error)
        col.addLayout(buttons)
        col.addWidget(self.state)
        col.addWidget(self.progress)
        col.addWidget(self.progress_text)
        col.addWidget(counts_box, 1)
        col.addWidget(failures_box, 1)
        column.setMinimumWidth(340)
        return column

    def _build_results(self) -> QWidget:
        pane = FileViewer("The annotated images show here as they are written.")
        self.images, self.viewer, self.viewer_status = pane.files, pane.viewer, pane.status
        self.images.itemClicked.connect(self._image_clicked)
        box = QGroupBox("Annotated images")
        QVBoxLayout(box).addWidget(pane)
        return box

    # -- detectors ------------------------------------------------------------------------------------------

    def _connection_changed(self) -> None:
        if self.session.connection_model.connected and self.session.connection is not None:
            self.load_detectors()
        self._show_progress()

    def load_detectors(self) -> None:
        self.session.run(
            lambda connection: connection.list_models(kind=KIND),
            owner=self,
            on_result=self.form.set_detectors,
            on_error=lambda error: self.form_model.set_errors({"model": f"could not list detectors: {error}"}),
        )

    # -- running --------------------------------------------------------------------------------------------

    def start(self) -> None:
        if self.run.active or self.session.connection is None or self.form_model.validate():
            return
        request = self.form_model.request()
        run = self.run
        run.start(request)
        self.images.clear()
        self.failures.clear()
        self.viewer.clear()
        self._chosen, self._shown = False, ""

        def events(connection: Any, should_stop: Any) -> Any:
            return run_events(connection, request, run.stop_requested, should_stop)

        self._worker = self.session.open_stream(
            events, name="batch-detect", on_items=self._on_events, on_finished=run.stream_ended
        )
        self.session.notify("Started a batch detection")

    def _on_events(self, events: list[Any]) -> None:
        self.run.apply(events)
        for event in events:
            if isinstance(event, RunError):
                self.form_model.apply_server_error(event.error)

    def cancel(self) -> None:
        self.run.cancel()

    def stop(self) -> None:
        """The window is closing: stop the run (the outputs written are whole)."""
        self.run.stop_requested.set()
        if self._worker is not None:
            self._worker.stop()

    # -- drawing the run ------------------------------------------------------------------------------------

    def _show_general_error(self) -> None:
        message = self.form_model.errors.get("", "")
        self.general_error.setText(message)
        self.general_error.setVisible(bool(message))

    def _show_progress(self) -> None:
        run = self.run
        connected = self.session.connection is not None and self.session.connection_model.connected
        self.start_button.setEnabled(connected and not run.active)
        self.cancel_button.setEnabled(run.state == "running")
        self.state.setText(run.message or ("Ready." if connected else "Not connected."))
        self.progress.setValue(round(run.progress_fraction() * PROGRESS_STEPS))
        self.progress_text.setText(run.progress_text() if run.total else "")
        rows = run.class_rows()
        self.counts.setRowCount(len(rows))
        for row, count in enumerate(rows):
            for column, value in enumerate((count.name, str(count.boxes), str(count.images))):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.counts.setItem(row, column, item)

    def _add_failure(self, item: jobs_pb2.ItemOutcome) -> None:
        self.failures.addItem(f"{item.input}: {item.reason}")

    def _add_image(self, item: jobs_pb2.ItemOutcome) -> None:
        entry = QListWidgetItem(f"{item.input} · {item.detections} box(es)")
        entry.setData(Qt.ItemDataRole.UserRole, item)
        self.images.addItem(entry)
        if not self._chosen:
            self.show_image(item)

    def _image_clicked(self, entry: QListWidgetItem) -> None:
        self._chosen = True
        self.show_image(entry.data(Qt.ItemDataRole.UserRole))

    def show_image(self, item: jobs_pb2.ItemOutcome) -> None:
        """The input and its annotated image in the viewer, read off the UI thread."""
        source, annotated = self.run.paths_of(item)
        self._shown = item.input

        def load() -> tuple[QImage, QImage]:
            return load_image(source), load_image(annotated)

        def show(pair: tuple[QImage, QImage]) -> None:
            if self._shown != item.input:
                return  # another image was chosen meanwhile
            before, after = pair
            if before.isNull() or after.isNull():
                self.viewer_status.setText(f"cannot read {item.input} or its annotated image")
                return
            self.viewer.set_images(before, after, ("Input", "Annotated"))
            counts = ", ".join(f"{name} {n}" for name, n in sorted(item.classes.items())) or "no boxes"
            self.viewer_status.setText(f"{item.input} · {counts}")

        self.session.runner.run(
            load,
            owner=self,
            on_result=show,
            on_error=lambda error: self.viewer_status.setText(f"could not read {item.input}: {error}"),
        )
