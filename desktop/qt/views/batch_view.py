"""Batch: restore a folder of images with a registered restoration model, watch it, inspect the results.

Start checks the form (as the server would) and submits a ``restore_batch`` job with absolute paths; the
backend on this machine reads IN and writes OUT in place. Progress, images/s and ETA come from the
session's live jobs stream; failures and finished files from the job's own event stream (``WatchJob``).
Choosing a finished file shows its input and output in the before/after viewer.

Streamed runs (always against a remote backend, on request against a local one): the images are read
here, streamed to the backend and the results written here, by a child ``omni restore --remote --events
jsonl`` (``desktop/models/batch_remote.py`` builds its command; ``JsonLinesProcess`` runs it). Its JSON
lines feed the same run model, so progress, failures, results and summary look the same; Cancel sends
it SIGTERM (it stops cleanly: whole outputs, a "stopped" summary), and closing the view stops it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.client import BackendError, Connection
from desktop.client.connection import state_name
from desktop.models.batch_model import (
    AUTO_TILE,
    FORMATS,
    MAX_TILE,
    MIN_TILE,
    BatchFormModel,
    BatchRunModel,
    ModelChoice,
    absolute,
    is_local_address,
    model_choices,
)
from desktop.models.batch_remote import exit_error, restore_command
from desktop.models.job_watch import JobFinishWatcher
from desktop.qt.child_process import JsonLinesProcess
from desktop.qt.session import Session
from desktop.qt.theme import SPACING, monospace_font, set_invalid
from desktop.qt.widgets.common import error_label, form_layout, muted_label, title
from desktop.qt.widgets.split_viewer import SplitViewer, load_image
from desktop.qt.workers import StreamWorker
from protos.omni.v1 import jobs_pb2, models_pb2

FIELD_ERRORS = ("INVALID_ARGUMENT", "NOT_FOUND", "PERMISSION_DENIED", "FAILED_PRECONDITION")
PROGRESS_STEPS = 1000


class FolderField(QWidget):
    """A path line edit with a Browse… button."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("/path/to/folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.caption, self.edit.text())
        if chosen:
            self.edit.setText(chosen)


class BatchForm(QGroupBox):
    """The widgets of ``BatchFormModel``: each writes its field back on change; errors show beside them."""

    def __init__(self, model: BatchFormModel, parent: QWidget | None = None) -> None:
        super().__init__("Restore a folder", parent)
        self.model = model
        self.input = FolderField("Input folder")
        self.out = FolderField("Output folder")
        self.models = QComboBox()
        self.models.setMinimumContentsLength(24)
        self.refresh_models = QPushButton("↻")
        self.refresh_models.setToolTip("Reload the registered restoration models")
        self.recursive = QCheckBox("Include subfolders (--recursive)")
        self.tile = TileSpinBox()
        self.overlap = QSpinBox()
        self.overlap.setRange(0, MAX_TILE // 2)
        self.overlap.setSpecialValueText("none")
        self.overlap.setSuffix(" px")
        self.format = QComboBox()
        for name in FORMATS:
            self.format.addItem("same as input" if name == "same" else name.upper(), name)
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.overwrite = QCheckBox("Redo outputs that already exist (no resume)")
        self.stream = QCheckBox("Stream the images from this machine (--remote)")
        self.stream.setToolTip(
            "Read the images here, send them to the backend and write the results here.\n"
            "Always so for a backend on another machine."
        )
        f = model.fields
        self.tile.setValue(f.tile)
        self.overlap.setValue(f.overlap)
        self.quality.setValue(f.quality)
        self.set_models([])

        self.error_labels: dict[str, QLabel] = {}
        form = form_layout()
        model_row = QHBoxLayout()
        model_row.addWidget(self.models, 1)
        model_row.addWidget(self.refresh_models)
        rows: list[tuple[str, str, QWidget | QHBoxLayout]] = [
            ("Input", "input", self.input),
            ("Output", "out", self.out),
            ("Model", "model", model_row),
            ("", "recursive", self.recursive),
            ("Tile", "tile", self.tile),
            ("Overlap", "overlap", self.overlap),
            ("Format", "format", self.format),
            ("Quality", "quality", self.quality),
            ("", "overwrite", self.overwrite),
            ("", "stream", self.stream),
        ]
        for label, name, widget in rows:
            column = QVBoxLayout()
            column.setSpacing(2)
            if isinstance(widget, QHBoxLayout):
                column.addLayout(widget)
            else:
                column.addWidget(widget)
            error = error_label()
            self.error_labels[name] = error
            column.addWidget(error)
            form.addRow(label, column)
        self.setLayout(form)

        self.input.edit.textChanged.connect(lambda text: model.set("input", text))
        self.out.edit.textChanged.connect(lambda text: model.set("out", text))
        self.models.currentIndexChanged.connect(self._model_chosen)
        self.recursive.toggled.connect(lambda on: model.set("recursive", on))
        self.tile.valueChanged.connect(lambda value: model.set("tile", value))
        self.overlap.valueChanged.connect(lambda value: model.set("overlap", value))
        self.format.currentIndexChanged.connect(lambda _: model.set("format", self.format.currentData()))
        self.quality.valueChanged.connect(lambda value: model.set("quality", value))
        self.overwrite.toggled.connect(lambda on: model.set("overwrite", on))
        self.stream.toggled.connect(lambda on: model.set("stream", on))
        model.changed.connect(self._show_stream)
        self.format.currentIndexChanged.connect(self._quality_enabled)
        model.errors_changed.connect(self._show_errors)
        self._quality_enabled()
        self._show_stream()

    def set_models(self, versions: list[models_pb2.ModelVersion]) -> None:
        """Offer "current" of each layer and every version; keep the choice if it is still there."""
        current = self.models.currentData()
        self.models.blockSignals(True)
        self.models.clear()
        for choice in model_choices(versions):
            self.models.addItem(choice.label, choice)
        index = next(
            (i for i in range(self.models.count()) if current is not None and self.models.itemData(i) == current), 0
        )
        self.models.setCurrentIndex(index)
        self.models.blockSignals(False)
        self._model_chosen()

    def choose_model(self, version: str) -> bool:
        for index in range(self.models.count()):
            choice = self.models.itemData(index)
            if isinstance(choice, ModelChoice) and choice.model == version:
                self.models.setCurrentIndex(index)
                return True
        return False

    def _model_chosen(self) -> None:
        choice = self.models.currentData()
        if isinstance(choice, ModelChoice):
            self.model.choose_model(choice)

    def _show_stream(self) -> None:
        """Checked and locked for a remote backend (it cannot read our folders); the user's choice otherwise."""
        self.stream.blockSignals(True)
        self.stream.setChecked(self.model.streamed)
        self.stream.setEnabled(not self.model.backend_remote)
        self.stream.blockSignals(False)

    def _quality_enabled(self) -> None:
        self.quality.setEnabled(self.format.currentData() in ("jpg", "webp", "same"))

    def _show_errors(self) -> None:
        for name, label in self.error_labels.items():
            message = self.model.errors.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        widgets: dict[str, QWidget] = {"input": self.input.edit, "out": self.out.edit, "tile": self.tile}
        widgets |= {"overlap": self.overlap, "quality": self.quality}
        for name, widget in widgets.items():
            set_invalid(widget, name in self.model.errors)


class BatchView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.form_model = BatchFormModel()
        self.run = BatchRunModel()
        self._busy = False
        self._events: StreamWorker | None = None
        self._child = JsonLinesProcess(self)  # a streamed run's ``omni restore --remote`` process
        self._child.objects.connect(self._on_stream_lines)
        self._child.ended.connect(self._stream_ended)
        self._shown = ""  # the file in the viewer

        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addWidget(
            title("Batch", "Restore a whole folder with a registered model; resumable, with a summary in OUT.")
        )
        splitter = QSplitter()
        splitter.addWidget(self._build_left())
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([420, 760])
        # the mode switch: Restore (this view) or Detect (its own panel over its own model)
        from desktop.qt.views.batch_detect_panel import BatchDetectPanel  # it imports FolderField from here

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
        self.run.changed.connect(self._show_progress)
        self.run.reset.connect(self._run_reset)
        self.run.failure_added.connect(self._add_failure)
        self.run.file_finished.connect(self._add_file)
        session.jobs.row_inserted.connect(self._job_row)
        session.jobs.row_changed.connect(self._job_row)
        session.connection_model.changed.connect(self._connection_changed)
        self._trained = JobFinishWatcher(session.jobs, {"train_restoration"})
        self._trained.finished.connect(lambda _job: self.load_models())
        self._run_reset()
        self._connection_changed()

    # -- layout ---------------------------------------------------------------------------------------

    def _build_left(self) -> QWidget:
        self.form = BatchForm(self.form_model)
        self.form.refresh_models.clicked.connect(self.load_models)
        self.form_error = error_label()
        self.remote_note = muted_label(
            "This backend runs on another machine: the images are streamed to it from this machine "
            "and the results are written here."
        )
        self.remote_note.setVisible(False)
        self.start_button = QPushButton("Start")
        self.start_button.setProperty("primary", True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
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
        self.summary_button = QPushButton("Open summary")
        self.summary_button.clicked.connect(self.open_summary)
        self.failures = QListWidget()
        self.failures.setWordWrap(True)
        failures_box = QGroupBox("Failures")
        failures_layout = QVBoxLayout(failures_box)
        failures_layout.addWidget(self.failures)
        status_row = QHBoxLayout()
        status_row.addWidget(self.state, 1)
        status_row.addWidget(self.summary_button)

        column = QWidget()
        col = QVBoxLayout(column)
        col.setContentsMargins(0, 0, SPACING, 0)
        col.addWidget(self.form)
        col.addWidget(self.form_error)
        col.addWidget(self.remote_note)
        col.addLayout(buttons)
        col.addLayout(status_row)
        col.addWidget(self.progress)
        col.addWidget(self.progress_text)
        col.addWidget(self.warnings)
        col.addWidget(failures_box, 1)
        column.setMinimumWidth(340)
        return column

    def _build_results(self) -> QWidget:
        self.files = QListWidget()
        self.files.currentItemChanged.connect(self._file_chosen)
        self.viewer = SplitViewer()
        self.viewer_status = muted_label("Choose a restored file to compare it with its input.")
        fit = QPushButton("Fit")
        fit.clicked.connect(self.viewer.fit)
        top = QHBoxLayout()
        top.addWidget(self.viewer_status, 1)
        top.addWidget(fit)
        viewer_box = QWidget()
        viewer_layout = QVBoxLayout(viewer_box)
        viewer_layout.setContentsMargins(0, 0, 0, 0)
        viewer_layout.addLayout(top)
        viewer_layout.addWidget(self.viewer, 1)
        split = QSplitter()
        split.addWidget(self.files)
        split.addWidget(viewer_box)
        split.setStretchFactor(1, 1)
        split.setSizes([180, 580])
        box = QGroupBox("Results")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(split)
        return box

    # -- models ---------------------------------------------------------------------------------------

    def _connection_changed(self) -> None:
        connection = self.session.connection
        connected = self.session.connection_model.connected and connection is not None
        remote = bool(connected and connection and not is_local_address(connection.target.address))
        self.form_model.set_backend_remote(remote)
        self.remote_note.setVisible(remote)
        if connected:
            self.load_models()
        self._show_progress()

    def load_models(self) -> None:
        self.session.run(
            lambda connection: connection.list_models(kind="restoration"),
            owner=self,
            on_result=self.form.set_models,
            on_error=lambda error: self.form_status.setText(f"could not list models: {error}"),
        )

    # -- starting and following -----------------------------------------------------------------------

    def start(self) -> None:
        if self._busy or self.run.active or self._child.running or self.form_model.validate():
            return
        if self.form_model.streamed:
            self._start_streamed()
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
        self.form_status.setText(text)
        self._show_progress()

    def _started(self, job: jobs_pb2.Job) -> None:
        self._set_busy(False)
        self.form_model.clear_errors()
        self.session.jobs.upsert(job)
        self.follow(job)
        self.session.notify(f"Started batch restore {job.id}")

    def _rejected(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, BackendError) and error.code in FIELD_ERRORS:
            self.form_model.apply_server_error(error)
        else:
            self.form_model.apply_server_error(f"the run was not started: {error}")

    def _start_streamed(self) -> None:
        """Run ``omni restore --remote --events jsonl`` as a child; its lines drive ``self.run``."""
        connection = self.session.connection
        if connection is None:
            return
        f = self.form_model.fields
        command = restore_command(f, connection.target)
        self._stop_events()
        self.form_model.clear_errors()
        self.run.start_remote(str(absolute(f.input)), str(absolute(f.out)), f.format, f.recursive)
        self._child.start(command.argv, command.env)
        self.form_status.setText("")
        self.session.notify("Started a streamed batch restore")

    def _on_stream_lines(self, objects: list[dict[str, object]]) -> None:
        for line in objects:
            self.run.apply_stream_line(line)

    def _stream_ended(self, exit_code: int, stderr: str, stop_requested: bool) -> None:
        run = self.run
        run.stream_closed(exit_error(exit_code, stderr), stopped=stop_requested)
        if run.state == jobs_pb2.JOB_STATE_FAILED and not run.done and not run.total and run.message:
            self.form_model.apply_server_error(run.message)  # refused before any image: beside its field
        self.form_status.setText("")
        self._show_progress()

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
            self.form_status.setText(f"lost the run's events: {error}")

    def _stop_events(self) -> None:
        if self._events is not None:
            self._events.stop(wait_s=0)
            self._events = None

    def _job_row(self, row: int) -> None:
        job = self.session.jobs.job_at(row)
        if job.id == self.run.job_id:
            self.run.apply_job(job)

    def cancel(self) -> None:
        job_id = self.run.job_id
        if not job_id or not self.run.active:
            return
        if self.run.streamed:
            self._child.terminate()  # SIGTERM: the child stops cleanly and tells its end
            self.form_status.setText("Stopping…")
            return
        self.session.run(
            lambda connection: connection.cancel_job(job_id),
            owner=self,
            on_result=self.session.jobs.upsert,
            on_error=lambda error: self.form_status.setText(f"could not cancel: {error}"),
        )

    # -- drawing the run ------------------------------------------------------------------------------

    def _run_reset(self) -> None:
        self.failures.clear()
        self.files.clear()
        self.viewer.clear()
        self._shown = ""
        self.viewer_status.setText("Choose a restored file to compare it with its input.")
        self._show_progress()

    def _show_progress(self) -> None:
        run = self.run
        connected = self.session.connection_model.connected
        self.start_button.setEnabled(connected and not self._busy and not run.active and not self._child.running)
        self.cancel_button.setEnabled(run.active)
        self.summary_button.setEnabled(bool(run.job_id) and not run.active)
        if not run.job_id:
            self.state.setText("No run yet")
            self.warnings.setVisible(False)
            self.progress.setValue(0)
            self.progress_text.setText("")
            return
        state = state_name(run.state) if run.state else "submitted"
        failed = f" · {len(run.failures)} failed" if run.failures else ""
        subfolders = f" · {run.subfolders_text()}" if run.subfolders_not_entered else ""
        trained = f" · model trained for {run.model_domain}" if run.model_domain else ""
        self.state.setText(f"{run.job_id}: {state}{failed}{subfolders}{trained}")
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
        if run.message and run.state in (jobs_pb2.JOB_STATE_FAILED, jobs_pb2.JOB_STATE_CANCELLED):
            text = f"{text} — {run.message}" if text else run.message
        self.progress_text.setText(text)

    def _add_failure(self, failure: jobs_pb2.ItemOutcome) -> None:
        item = QListWidgetItem(f"{failure.input}\n    {failure.reason}")
        item.setToolTip(failure.reason)
        self.failures.addItem(item)
        self._mark_failed(failure.input)
        self._show_progress()

    def _add_file(self, name: str) -> None:
        if self.files.findItems(name, Qt.MatchFlag.MatchExactly):
            return
        item = QListWidgetItem(name)
        item.setData(Qt.ItemDataRole.UserRole, name)
        self.files.addItem(item)
        if any(failure.input == name for failure in self.run.failures):
            self._mark_failed(name)
        elif self.files.currentItem() is None:
            self.files.setCurrentItem(item)

    def _mark_failed(self, name: str) -> None:
        for item in self.files.findItems(name, Qt.MatchFlag.MatchExactly):
            item.setForeground(Qt.GlobalColor.red)
            item.setToolTip("failed: see Failures")

    # -- the before/after viewer ----------------------------------------------------------------------

    def _file_chosen(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.show_file(str(item.data(Qt.ItemDataRole.UserRole)))

    def show_file(self, name: str) -> None:
        """Load the input and output of ``name`` (as named in the run) into the viewer, off the UI thread."""
        self._shown = name  # a load still on its way for another file is dropped
        if any(failure.input == name for failure in self.run.failures):
            self.viewer.clear()
            self.viewer_status.setText(f"{name} was not restored.")
            return
        source, output = self.run.paths_of(name)
        self.viewer_status.setText(f"Loading {name}…")

        def load() -> tuple[QImage, QImage]:
            return load_image(source), load_image(output)

        self.session.runner.run(
            load,
            owner=self,
            on_result=lambda pair: self._show_pair(name, source, output, pair),
            on_error=lambda error: self.viewer_status.setText(f"could not read {name}: {error}"),
        )

    def _show_pair(self, name: str, source: Path, output: Path, pair: tuple[QImage, QImage]) -> None:
        if name != self._shown:
            return  # another file was chosen meanwhile
        before, after = pair
        missing = [str(path) for path, image in ((source, before), (output, after)) if image.isNull()]
        if missing:
            self.viewer.clear()
            self.viewer_status.setText("Cannot read " + ", ".join(missing) + " (not on this machine?)")
            return
        self.viewer.set_images(before, after, ("Before", "After"))
        self.viewer_status.setText(
            f"{name} · {before.width()}x{before.height()} · drag the line to compare, wheel to zoom"
        )

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
        layout = QVBoxLayout(dialog)
        layout.addWidget(text)
        dialog.resize(760, 560)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.summary_dialog = dialog
        self.summary_view = text
        return dialog

    def _show_form_error(self) -> None:
        self.form_error.setText(self.form_model.general_error)
        self.form_error.setVisible(bool(self.form_model.general_error))

    def stop(self) -> None:
        """The window is closing: stop following the run, and stop a streamed run (whole outputs)."""
        self._stop_events()
        self._child.stop()
        self.detect_panel.stop()


class TileSpinBox(QSpinBox):
    """The tile side: "auto" (the backend's memory-based plan, the default), "whole images" (0), or N px."""

    NAMES = {AUTO_TILE: "auto", 0: "whole images"}

    def __init__(self) -> None:
        super().__init__()
        self.setRange(AUTO_TILE, MAX_TILE)
        self.setSingleStep(64)
        self.setToolTip("auto: tiles as large as the backend's free memory holds for the model; whole images: no tiles")

    def textFromValue(self, value: int) -> str:
        return self.NAMES.get(value, f"{value} px")

    def valueFromText(self, text: str) -> int:
        for value, name in self.NAMES.items():
            if text.strip() and name.startswith(text.strip()):
                return value
        digits = "".join(ch for ch in text if ch.isdigit())
        return int(digits) if digits else AUTO_TILE

    def stepBy(self, steps: int) -> None:
        """auto -> whole images -> 64 px -> 128 px ... and back (a plain step would go from -1 to 63)."""
        value = self.value()
        for _ in range(abs(steps)):
            if steps > 0:
                value = 0 if value == AUTO_TILE else MIN_TILE if value == 0 else min(MAX_TILE, value + MIN_TILE)
            else:
                value = AUTO_TILE if value == 0 else 0 if value <= MIN_TILE else value - MIN_TILE
        self.setValue(value)
