"""Annotate: one dataset's images, drawn and labelled with the keyboard; every edit saved by itself.

The view owns an ``AnnotationSession`` (the view-model) for the dataset shown, and wires it to the
canvas, the filmstrip, the side panel, the conflict banner and the bottom status strip. Shortcuts come
from the user's (remappable) ``ShortcutMap``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.models.annotate.autosave import SaveState
from desktop.models.annotate.boxes import DONE, REVIEW, TODO
from desktop.models.annotate.journal import JournalLocked, journal_path, journals_with_work
from desktop.models.annotate.prelabel import PrelabelWatch
from desktop.models.annotate.recent import last_dataset, remember_dataset
from desktop.models.annotate.session import AnnotationSession
from desktop.models.annotate.shortcuts import ShortcutMap
from desktop.models.annotate.suggestions import Suggester
from desktop.qt.session import Session
from desktop.qt.theme import ERROR, MUTED, SPACING
from desktop.qt.views.annotate.banner import ConflictBanner
from desktop.qt.views.annotate.bridge import (
    DecodedImage,
    QtScheduler,
    SessionRunner,
    backend_key,
    decode_image,
    decoded_size,
)
from desktop.qt.views.annotate.canvas import AnnotationCanvas
from desktop.qt.views.annotate.filmstrip import Filmstrip
from desktop.qt.views.annotate.help_dialogs import CheatSheet, ShortcutsDialog
from desktop.qt.views.annotate.side_panel import SidePanel
from desktop.qt.widgets.common import title
from protos.omni.v1 import jobs_pb2

STATUS_FILTERS = (("All images", 0), ("To do", TODO), ("Done", DONE), ("Review", REVIEW))
ORDERS = (
    ("Import order", "position"),
    ("By file name", "filename"),
    ("Recently saved", "updated"),
    ("Least confident first", "confidence"),
)
SAVE_COLOURS = {
    SaveState.SAVED: "#16a34a",
    SaveState.PENDING: "#2f6fde",
    SaveState.SAVING: "#2f6fde",
    SaveState.OFFLINE: "#d97706",
}


def _sequences(key: str) -> list[QKeySequence]:
    """``key`` and, for a symbol typed with Shift ("?", "+"), also Shift+symbol: some platforms report
    the modifier with the symbol and then "?" alone would never match."""
    sequences = [QKeySequence(key)]
    if len(key) == 1 and not key.isalnum() and not key.isspace():
        sequences.append(QKeySequence(f"Shift+{key}"))
    return sequences


class AnnotateView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model: AnnotationSession[DecodedImage] | None = None
        self._model_key: str | None = None
        self._wanted: str | None = None  # a dataset asked for before we could open it
        self._listing = False
        self.shortcuts = ShortcutMap.load()
        self._bound: list[QShortcut] = []
        self.cheat_sheet: CheatSheet | None = None
        self.suggester: Suggester | None = None
        self.prelabel_watch = PrelabelWatch(session.jobs)
        self.prelabel_watch.changed.connect(session.notify)
        self.prelabel_watch.finished.connect(self._prelabel_finished)

        self.dataset = QComboBox()
        self.dataset.setMinimumWidth(180)
        self.dataset.setPlaceholderText("Choose a dataset")
        self.dataset.activated.connect(lambda _i: self.open_dataset(self.dataset.currentText()))
        self.status_filter = QComboBox()
        for text, status in STATUS_FILTERS:
            self.status_filter.addItem(text, status)
        self.status_filter.currentIndexChanged.connect(self._filter_changed)
        self.order = QComboBox()
        for text, order in ORDERS:
            self.order.addItem(text, order)
        self.order.setToolTip("Least confident first: review the model's suggestions where it hesitates")
        self.order.currentIndexChanged.connect(self._filter_changed)
        self.undo_button = self._tool_button("Undo", lambda: self._do("undo"))
        self.redo_button = self._tool_button("Redo", lambda: self._do("redo"))
        self.fit_button = self._tool_button("Fit", lambda: self.canvas.fit())
        self.shortcuts_button = self._tool_button("Shortcuts…", self.edit_shortcuts)
        self.help_button = self._tool_button("?", self.show_cheat_sheet)
        self.help_button.setToolTip("Keyboard shortcuts")

        self.canvas = AnnotationCanvas()
        self.filmstrip = Filmstrip()
        self.filmstrip.setFixedWidth(272)
        self.filmstrip.activated_row.connect(self._go_to_row)
        self.filmstrip.list_model.modelReset.connect(self._follow_current)
        self.panel = SidePanel(self.shortcuts)
        self.prelabel_button = self.panel.suggest.prelabel_button
        self.prelabel_button.clicked.connect(lambda: self.prelabel())
        self.banner = ConflictBanner()

        self.name_label = QLabel()
        self.name_label.setStyleSheet("font-weight: 600;")
        self.position_label = self._strip_label()
        self.size_label = self._strip_label()
        self.zoom_label = self._strip_label()
        self.cursor_label = self._strip_label()
        self.save_label = QLabel()
        self.save_label.setObjectName("saveState")
        self.error_label = QLabel()
        self.error_label.setStyleSheet(f"color: {ERROR};")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.canvas.zoom_changed.connect(lambda scale: self.zoom_label.setText(f"{scale * 100:.0f}%"))
        self.canvas.cursor_moved.connect(self._cursor_moved)

        self._build_layout()
        self.bind_shortcuts()
        session.connection_model.changed.connect(self._connection_changed)
        self._show_save_state()

    # -- layout ---------------------------------------------------------------------------------------

    def _tool_button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    @staticmethod
    def _strip_label() -> QLabel:
        label = QLabel()
        label.setStyleSheet(f"color: {MUTED};")
        return label

    def _build_layout(self) -> None:
        toolbar = QHBoxLayout()
        subtitle = "Draw, label, next: every edit saves itself."
        toolbar.addWidget(title("Annotate", subtitle), 1)
        tools: tuple[QWidget, ...] = (
            self.dataset,
            self.status_filter,
            self.order,
            self.undo_button,
            self.redo_button,
            self.fit_button,
            self.shortcuts_button,
            self.help_button,
        )
        for widget in tools:
            toolbar.addWidget(widget, 0, Qt.AlignmentFlag.AlignBottom)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(0)
        centre_layout.addWidget(self.banner)
        centre_layout.addWidget(self.canvas, 1)

        strip = QFrame()
        strip.setObjectName("annotateStrip")
        strip.setStyleSheet("#annotateStrip { background: #ffffff; border-top: 1px solid #e5e7eb; }")
        strip_layout = QHBoxLayout(strip)
        strip_layout.setContentsMargins(SPACING * 2, 4, SPACING * 2, 4)
        strip_layout.setSpacing(SPACING * 3)
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        strip_layout.addWidget(self.name_label, 1)
        for label in (self.position_label, self.size_label, self.zoom_label, self.cursor_label, self.save_label):
            strip_layout.addWidget(label)

        body = QFrame()
        body.setObjectName("annotateBody")
        body.setStyleSheet("#annotateBody { border: 1px solid #d8dde4; border-radius: 6px; background: white; }")
        body_layout = QHBoxLayout(body)
        body_layout.setContentsMargins(1, 1, 1, 1)
        body_layout.setSpacing(0)
        body_layout.addWidget(self.filmstrip)
        body_layout.addWidget(centre, 1)
        body_layout.addWidget(self.panel)
        column = QVBoxLayout()
        column.setSpacing(0)
        column.addWidget(body, 1)
        column.addWidget(strip)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addLayout(toolbar)
        layout.addWidget(self.error_label)
        layout.addLayout(column, 1)

    # -- shortcuts ------------------------------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[[], object]]:
        def on_model(method: str) -> Callable[[], object]:
            return lambda: self._do(method)

        handlers: dict[str, Callable[[], object]] = {
            "next": on_model("next"),
            "previous": on_model("previous"),
            "next_todo": on_model("next_todo"),
            "delete": on_model("delete_selected"),
            "select_next": on_model("select_next"),
            "accept_suggestion": on_model("accept_suggestion"),
            "accept_all": on_model("accept_all_suggestions"),
            "suggest": self.suggest,
            "accept_above": lambda: self.suggester.accept_above_threshold() if self.suggester else None,
            "reject_all": lambda: self.suggester.reject_all() if self.suggester else None,
            "undo": on_model("undo"),
            "redo": on_model("redo"),
            "mark_done": lambda: self._do("set_status", DONE),
            "mark_review": lambda: self._do("set_status", REVIEW),
            "mark_todo": lambda: self._do("set_status", TODO),
            "fit": self.canvas.fit,
            "zoom_in": lambda: self.canvas.zoom_by(1.25),
            "zoom_out": lambda: self.canvas.zoom_by(0.8),
            "zoom_actual": self.canvas.zoom_actual,
            "deselect": self._escape,
            "cheat_sheet": self.show_cheat_sheet,
        }
        for number in range(1, 10):
            handlers[f"class_{number}"] = self._class_handler(number)
        for flag in ("difficult", "truncated", "occluded"):
            handlers[f"toggle_{flag}"] = self._flag_handler(flag)
        return handlers

    def _flag_handler(self, flag: str) -> Callable[[], object]:
        return lambda: self._do("toggle_flag", flag)

    def _class_handler(self, number: int) -> Callable[[], object]:
        return lambda: self._class_key(number)

    def bind_shortcuts(self) -> None:
        for shortcut in self._bound:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self._bound = []
        for name, handler in self._handlers().items():
            for sequence in (seq for key in self.shortcuts.keys(name) for seq in _sequences(key)):
                shortcut = QShortcut(sequence, self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.setAutoRepeat(name in ("next", "previous", "zoom_in", "zoom_out"))
                shortcut.activated.connect(handler)
                self._bound.append(shortcut)
        self.undo_button.setToolTip(f"Undo ({self.shortcuts.key_text('undo')})")
        self.redo_button.setToolTip(f"Redo ({self.shortcuts.key_text('redo')})")
        self.fit_button.setToolTip(f"Fit the image ({self.shortcuts.key_text('fit')})")
        self.panel.refresh()

    def _do(self, method: str, *args: object) -> None:
        if self.model is not None:
            getattr(self.model, method)(*args)

    def _class_key(self, number: int) -> None:
        model = self.model
        if model is None:
            return
        class_id = model.class_for_key(number)
        if class_id is not None:
            model.choose_class(class_id)

    def _escape(self) -> None:
        if not self.canvas.cancel_drag() and self.model is not None:
            self.model.select(None)

    def show_cheat_sheet(self) -> None:
        self.cheat_sheet = CheatSheet(self.shortcuts, self)
        self.cheat_sheet.show()

    def edit_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self.shortcuts, self)
        if dialog.exec():
            self.shortcuts = dialog.shortcuts
            self.panel.shortcuts = self.shortcuts
            self.bind_shortcuts()

    # -- datasets -------------------------------------------------------------------------------------

    def show_item(self, dataset: str) -> None:
        """Open ``dataset`` (from the Datasets view's "Open in Annotate")."""
        self.open_dataset(dataset)

    def refresh_datasets(self) -> None:
        if self._listing or not self.session.connection_model.connected:
            return
        self._listing = True
        self.session.run(
            lambda connection: connection.list_datasets(),
            owner=self,
            on_result=self._datasets_listed,
            on_error=lambda error: self._listed_failed(error),
        )

    def _datasets_listed(self, datasets: Any) -> None:
        self._listing = False
        names = [d.name for d in (datasets.datasets if hasattr(datasets, "datasets") else datasets)]
        current = self.model.dataset if self.model is not None else self._wanted
        if self.model is not None and current not in names:
            names.append(self.model.dataset)  # created after this listing left the server: still open here
        self.dataset.blockSignals(True)
        self.dataset.clear()
        self.dataset.addItems(names)
        if current is not None and current in names:
            self.dataset.setCurrentText(current)
        else:
            self.dataset.setCurrentIndex(-1)
        self.dataset.blockSignals(False)

    def _listed_failed(self, error: BaseException) -> None:
        self._listing = False
        self._show_error(f"Could not list the datasets: {error}")

    def open_dataset(self, name: str) -> None:
        if not name:
            return
        key = backend_key(self.session)
        if key is None:
            self._wanted = name  # opened once connected
            return
        if self.model is not None and self.model.dataset == name and self._model_key == key:
            return
        self.close_dataset()
        try:
            model: AnnotationSession[DecodedImage] = AnnotationSession(
                name,
                SessionRunner(self.session, self),
                QtScheduler(self),
                journal_path(key, name),
                decode=decode_image,
                size_of=decoded_size,
            )
        except JournalLocked as error:
            self._show_error(str(error))
            return
        self.attach(model, key)

    def attach(self, model: AnnotationSession[DecodedImage], key: str | None = None) -> None:
        """Show ``model`` (made by ``open_dataset``; tests may pass one over another backend) and open it."""
        self.close_dataset()
        name = model.dataset
        self._wanted = None
        self.model, self._model_key = model, key
        if key is not None:
            remember_dataset(key, name)
        self._show_error("")
        if self.dataset.findText(name) < 0:
            self.dataset.addItem(name)
        self.dataset.setCurrentText(name)
        model.images.status = int(self.status_filter.currentData() or 0)
        model.images.order_by = str(self.order.currentData())
        self.canvas.set_model(model)
        self.filmstrip.set_session(model)
        self.panel.set_session(model)
        self.suggester = Suggester(model, threshold=self.suggester.threshold if self.suggester else 0.5)
        self.panel.suggest.set_suggester(self.suggester)
        self.banner.set_session(model)
        model.current_changed.connect(self._current_changed)
        model.save_changed.connect(self._show_save_state)
        model.conflict_changed.connect(self._show_save_state)
        model.message.connect(self.session.notify)
        model.failed.connect(lambda text: self._show_error(f"{name}: {text}"))
        model.dataset_loaded.connect(lambda: self._show_error(""))
        model.open()
        self._show_save_state()
        self.canvas.setFocus()

    def close_dataset(self) -> None:
        model, self.model = self.model, None
        if model is None:
            return
        self.canvas.set_model(None)
        self.filmstrip.set_session(None)
        self.panel.set_session(None)
        self.panel.suggest.set_suggester(None)
        if self.suggester is not None:
            self.suggester.detach()
        self.banner.set_session(None)
        model.close()
        self._current_changed()

    def _filter_changed(self) -> None:
        if self.model is not None:
            self.model.images.start(
                status=int(self.status_filter.currentData() or 0), order_by=str(self.order.currentData())
            )

    def _go_to_row(self, row: int) -> None:
        if self.model is not None:
            self.model.go_to(row)
        self.canvas.setFocus()

    # -- model-assisted labelling ---------------------------------------------------------------------

    def suggest(self) -> None:
        """Run the detector on the current image (on the backend, off the UI thread); its boxes become suggestions."""
        if self.suggester is not None:
            self.suggester.suggest()

    def prelabel(self, *, confirm: bool = True) -> None:
        """Submit a pre-labelling job for the dataset's to-do images; its progress shows in the status bar."""
        model, suggester = self.model, self.suggester
        if model is None or suggester is None:
            self.session.notify("Pre-label: open a dataset first")
            return
        if self.prelabel_watch.active:
            self.session.notify(f"Pre-labelling {self.prelabel_watch.dataset} is still running")
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Pre-label to-do images",
                f"Run the current detector on every to-do image of {model.dataset}?\n\n"
                "Its boxes are saved as suggestions and those images become Review. Boxes people drew are kept.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        spec = suggester.prelabel_spec()
        self.prelabel_button.setEnabled(False)
        self.session.run(
            lambda connection: connection.submit(spec),
            owner=self,
            on_result=self._prelabel_started,
            on_error=self._prelabel_refused,
        )

    def _prelabel_started(self, job: jobs_pb2.Job) -> None:
        self.prelabel_button.setEnabled(True)
        self.session.jobs.upsert(job)
        self.prelabel_watch.follow(job)

    def _prelabel_refused(self, error: BaseException) -> None:
        self.prelabel_button.setEnabled(True)
        self._show_error(f"Pre-labelling was not started: {error}")

    def _prelabel_finished(self, job: jobs_pb2.Job) -> None:
        model = self.model
        if model is not None and model.dataset == job.spec.prelabel.dataset:
            model.images.start()  # statuses, box counts and confidences changed on the server
            if model.image_id is not None:
                model.reconnected()  # reloads the current image's annotations

    # -- status -----------------------------------------------------------------------------------------

    def _current_changed(self) -> None:
        model = self.model
        info = model.current_info if model is not None else None
        self.name_label.setText(info.filename if info is not None else "")
        self.position_label.setText(model.progress_text() if model is not None else "")
        self.size_label.setText(f"{info.width} \u00d7 {info.height}" if info is not None else "")
        self._follow_current()

    def _follow_current(self) -> None:
        self.filmstrip.show_row(self.model.row if self.model is not None else None)

    def _cursor_moved(self, where: tuple[float, float] | None) -> None:
        self.cursor_label.setText(f"x {where[0]:.0f}  y {where[1]:.0f}" if where is not None else "")

    def _show_save_state(self) -> None:
        model = self.model
        if model is None:
            self.save_label.setText("")
            return
        state = model.saver.state
        colour = SAVE_COLOURS[state] if not model.conflicts else "#d97706"
        self.save_label.setText(f"<span style='color:{colour}'>●</span> {model.save_text()}")
        self.save_label.setToolTip(model.saver.last_error)
        self.undo_button.setEnabled(model.undo_stack.can_undo)
        self.redo_button.setEnabled(model.undo_stack.can_redo)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- connection -------------------------------------------------------------------------------------

    def _connection_changed(self) -> None:
        if not self.session.connection_model.connected:
            return
        key = backend_key(self.session)
        if self.model is not None and key == self._model_key:
            self._show_error("")
            self.model.reconnected()  # the same backend (perhaps restarted): flush the queue
        elif key is not None:
            self.close_dataset()  # another backend: its own journals, its own datasets
            name = self._wanted or last_dataset(key)
            if name:
                self.open_dataset(name)  # resume where the annotator stopped; replays its journal
            others = [n for n in journals_with_work(key) if n != name]
            if others:
                self.session.notify(f"Edits not sent yet for {', '.join(others)}: open the dataset to send them")
        self.filmstrip.viewport().update()  # thumbnails that failed while offline are asked again
        if self.isVisible():
            self.refresh_datasets()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_datasets()
        QTimer.singleShot(0, self.canvas.setFocus)

    def stop(self) -> None:
        """The window closes: send what can be sent; the journal keeps the rest for next time."""
        self.close_dataset()
