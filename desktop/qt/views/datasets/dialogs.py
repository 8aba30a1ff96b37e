"""The Datasets view's forms: new dataset, import a folder, export, edit classes. Each validates through
the Qt-free view-model functions and shows the field that is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.models.datasets_model import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    FormInvalid,
    class_changes,
    create_request,
    export_spec,
    import_spec,
)
from desktop.qt.theme import set_invalid
from desktop.qt.widgets.class_colours import class_colour, swatch
from desktop.qt.widgets.common import error_label, form_layout, muted_label
from omni_core.datasets.names import DEFAULT_CLASSES
from protos.omni.v1 import datasets_pb2, jobs_pb2


class _FormDialog(QDialog):
    """Fields in a form, an error line, OK/Cancel; ``check()`` raises FormInvalid naming a field."""

    def __init__(self, heading: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(heading)
        self.setMinimumWidth(480)
        self.form = form_layout()
        self.error = error_label()
        self.fields: dict[str, QWidget] = {}
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(ok_text)
        ok.setProperty("primary", True)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def check(self) -> None:
        raise NotImplementedError

    def _accept(self) -> None:
        for widget in self.fields.values():
            set_invalid(widget, False)
        try:
            self.check()
        except FormInvalid as invalid:
            set_invalid(self.fields.get(invalid.field), True)
            self.error.setText(str(invalid))
            self.error.setVisible(True)
            return
        self.accept()


def _folder_row(edit: QLineEdit, parent: QWidget, caption: str) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    browse = QPushButton("Browse…")
    browse.clicked.connect(lambda: _browse(edit, parent, caption))
    row.addWidget(browse)
    return box


def _browse(edit: QLineEdit, parent: QWidget, caption: str) -> None:
    folder = QFileDialog.getExistingDirectory(parent, caption, edit.text())
    if folder:
        edit.setText(folder)


class CreateDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New dataset", "Create", parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. car-doors-2024")
        self.classes = QPlainTextEdit(", ".join(DEFAULT_CLASSES))
        self.classes.setFixedHeight(70)
        self.fields = {"name": self.name, "classes": self.classes}
        self.form.addRow("Name", self.name)
        self.form.addRow("Classes", self.classes)
        self.form.addRow("", muted_label("Comma- or line-separated, in order; ids are fixed once created."))
        self.result_: tuple[str, list[str]] | None = None

    def check(self) -> None:
        self.result_ = create_request(self.name.text(), self.classes.toPlainText())


class ImportDialog(_FormDialog):
    def __init__(self, datasets: list[str], parent: QWidget | None = None, *, uploads: bool = False) -> None:
        """``uploads``: the backend cannot read our folders, so the folder's images and labels are sent from here."""
        super().__init__("Import a folder", "Import", parent)
        self.path = QLineEdit()
        self.path.setPlaceholderText(
            "A folder on this computer: its images and labels are uploaded"
            if uploads
            else "A folder on the backend's machine"
        )
        self.format = QComboBox()
        for key, text in IMPORT_FORMATS.items():
            self.format.addItem(text, key)
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.addItems(datasets)
        self.name.setCurrentText("")
        line = self.name.lineEdit()
        if line is not None:
            line.setPlaceholderText("New dataset (the folder's name) or an existing one")
        self.classes = QLineEdit()
        self.classes.setPlaceholderText(", ".join(DEFAULT_CLASSES))
        self.fields = {"path": self.path, "format": self.format, "name": self.name, "classes": self.classes}
        self.form.addRow("Folder", _folder_row(self.path, self, "Folder to import"))
        self.form.addRow("Format", self.format)
        self.form.addRow("Into dataset", self.name)
        self.form.addRow("Classes", self.classes)
        self.form.addRow("", muted_label("Unreadable files are skipped and listed in the import report."))
        self.spec: jobs_pb2.JobSpec | None = None
        self.uploads = uploads

    def check(self) -> None:
        spec = import_spec(
            self.path.text(), str(self.format.currentData()), self.name.currentText(), self.classes.text()
        )
        if self.uploads and not Path(spec.import_dataset.path).is_dir():
            raise FormInvalid("path", f"{spec.import_dataset.path} is not a folder on this computer")
        self.spec = spec


class ExportDialog(_FormDialog):
    def __init__(self, dataset: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Export {dataset}", "Export", parent)
        self.dataset = dataset
        self.out = QLineEdit()
        self.out.setPlaceholderText("A new or empty folder on the backend's machine")
        self.format = QComboBox()
        for key, text in EXPORT_FORMATS.items():
            self.format.addItem(text, key)
        self.split = QLineEdit("0.8, 0.2")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.only_done = QCheckBox("Only images marked done")
        self.fields = {"out": self.out, "format": self.format, "split": self.split}
        self.form.addRow("Folder", _folder_row(self.out, self, "Export into"))
        self.form.addRow("Format", self.format)
        self.form.addRow("Split", self.split)
        self.form.addRow("Seed", self.seed)
        self.form.addRow("", self.only_done)
        self.form.addRow("", muted_label("train, val[, test] fractions; stratified by class, the same for a seed."))
        self.spec: jobs_pb2.JobSpec | None = None

    def check(self) -> None:
        statuses = [datasets_pb2.IMAGE_STATUS_DONE] if self.only_done.isChecked() else []
        self.spec = export_spec(
            self.dataset,
            self.out.text(),
            str(self.format.currentData()),
            self.split.text(),
            self.seed.value(),
            statuses,
        )


class ClassesDialog(_FormDialog):
    """Rename in place, add, delete; ids never change. The server refuses deleting a class in use, and
    the refusal is shown here (``submit`` is the RPC; it reports back through ``show_refusal``)."""

    def __init__(
        self,
        dataset: datasets_pb2.Dataset,
        submit: Callable[[list[datasets_pb2.ClassChange]], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Classes of {dataset.name}", "Apply", parent)
        self.dataset = dataset
        self.submit = submit
        self.list = QListWidget()
        self.list.setStyleSheet("QListWidget::item { padding: 4px 2px; }")
        self.list.setMinimumHeight(220)
        for cls in dataset.classes:
            if not cls.deleted:
                self._add_row(cls.id, cls.name)
        add = QPushButton("Add class")
        add.clicked.connect(lambda: self._add_row(None, "new class", edit=True))
        remove = QPushButton("Delete selected")
        remove.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.list)
        column.addLayout(buttons)
        column.addWidget(muted_label("Double-click to rename. A class keeps its id; a class in use cannot be deleted."))
        self.fields = {"classes": self.list}
        self.form.addRow(box)

    def _add_row(self, class_id: int | None, name: str, *, edit: bool = False) -> None:
        item = QListWidgetItem(name)
        item.setData(Qt.ItemDataRole.UserRole, class_id)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setToolTip(f"id {class_id} (kept forever)" if class_id is not None else "new: gets the next free id")
        next_id = max((c.id for c in self.dataset.classes), default=-1) + 1
        item.setIcon(QIcon(swatch(class_colour(class_id if class_id is not None else next_id))))
        self.list.addItem(item)
        if edit:
            self.list.setCurrentItem(item)
            self.list.editItem(item)

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))

    def rows(self) -> list[tuple[int | None, str]]:
        rows = []
        for index in range(self.list.count()):
            item = self.list.item(index)
            rows.append((item.data(Qt.ItemDataRole.UserRole), item.text()))
        return rows

    def check(self) -> None:
        class_changes(self.dataset.classes, self.rows())

    def _accept(self) -> None:
        """Valid changes go to the server; the dialog closes when it agrees (``applied``), else shows why."""
        try:
            changes = class_changes(self.dataset.classes, self.rows())
        except FormInvalid as invalid:
            self.show_refusal(str(invalid))
            return
        if not changes:
            self.accept()
            return
        self.buttons.setEnabled(False)
        self.error.setVisible(False)
        self.submit(changes)

    def applied(self) -> None:
        self.buttons.setEnabled(True)
        self.accept()

    def show_refusal(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(message)
        self.error.setVisible(True)
