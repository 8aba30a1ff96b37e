"""The remote's fields as widgets, bound to ``StorageFormModel`` by name, with Save and Remove.

Each field has an error line under it (hidden while there is none). Widgets write the model on every edit;
``load()`` writes the model back where they differ, so typing is never disturbed. The secret is a password
field that the model empties once it has been sent.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.models.storage_model import LAYOUTS, StorageFormModel
from desktop.qt.theme import set_invalid
from desktop.qt.widgets.common import error_label, form_layout

PLACEHOLDERS = {
    "url": "s3:// (one bucket per folder) or s3://BUCKET/PREFIX",
    "endpoint": "http://HOST:9000 for MinIO; empty for AWS S3",
    "region": "e.g. eu-west-1 (optional for MinIO)",
    "bucket_prefix": "buckets layout: e.g. omni- gives omni-models, omni-training-data, …",
    "profile": "an AWS profile on the backend (optional)",
    "credentials_file": "an AWS credentials file on the backend, mode 0600 (optional)",
    "access_key_id": "kept on the backend for this workspace (optional)",
}
LABELS = {
    "url": "URL",
    "endpoint": "Endpoint",
    "region": "Region",
    "layout": "Layout",
    "bucket_prefix": "Bucket prefix",
    "insecure_tls": "TLS",
    "profile": "Profile",
    "credentials_file": "Credentials file",
    "access_key_id": "Access key id",
    "secret_access_key": "Secret key",
}


class RemoteForm(QGroupBox):
    """``widgets[name]`` is the input of field ``name`` and ``errors[name]`` its error line."""

    def __init__(self, model: StorageFormModel, parent: QWidget | None = None) -> None:
        super().__init__("Remote", parent)
        self.model = model
        self.form = form_layout()
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.lines: dict[str, QLineEdit] = {}

        for name in ("url", "endpoint", "region"):
            self._line(name)
        self.layout_combo = QComboBox()
        for value, text in LAYOUTS.items():
            self.layout_combo.addItem(text, value)
        self.layout_combo.currentIndexChanged.connect(lambda _: model.set("layout", self.layout_combo.currentData()))
        self._add("layout", self.layout_combo)
        self._line("bucket_prefix")
        self.insecure_tls = QCheckBox("Do not verify the server's certificate")
        self.insecure_tls.setToolTip("For a server with a self-signed certificate. The traffic is still encrypted.")
        self.insecure_tls.toggled.connect(lambda checked: model.set("insecure_tls", checked))
        self._add("insecure_tls", self.insecure_tls)
        for name in ("profile", "credentials_file", "access_key_id"):
            self._line(name)
        secret = self._line("secret_access_key")
        secret.setEchoMode(QLineEdit.EchoMode.Password)

        self.save_button = QPushButton("Save")
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Check the fields and save the remote on the backend (nothing is sent to it)")
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setToolTip("Forget the remote and the keys kept for it; nothing on it is deleted")
        self.general_error = error_label()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.general_error)
        layout.addLayout(buttons)
        model.changed.connect(self.load)
        model.errors_changed.connect(self.show_errors)
        self.load()
        self.show_errors()

    def _line(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(PLACEHOLDERS.get(name, ""))
        edit.textEdited.connect(lambda text: self.model.set(name, text))
        self.lines[name] = edit
        self._add(name, edit)
        return edit

    def _add(self, name: str, widget: QWidget) -> None:
        """A row for ``widget`` and, under it, a row for its error (hidden while there is none)."""
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, widget.sizePolicy().verticalPolicy())
        self.form.addRow(LABELS[name], widget)
        error = error_label()
        error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.form.addRow("", error)
        self.form.setRowVisible(error, False)
        self.widgets[name] = widget
        self.errors[name] = error

    # -- model -> widgets -----------------------------------------------------------------------------

    def load(self) -> None:
        fields = self.model.fields
        for name, edit in self.lines.items():
            value = getattr(fields, name)
            if edit.text() != value:
                edit.setText(value)
                edit.setCursorPosition(0)
        self.lines["secret_access_key"].setPlaceholderText(self.model.secret_placeholder())
        index = self.layout_combo.findData(fields.layout)
        if index >= 0 and index != self.layout_combo.currentIndex():
            self.layout_combo.blockSignals(True)
            self.layout_combo.setCurrentIndex(index)
            self.layout_combo.blockSignals(False)
        if self.insecure_tls.isChecked() != fields.insecure_tls:
            self.insecure_tls.blockSignals(True)
            self.insecure_tls.setChecked(fields.insecure_tls)
            self.insecure_tls.blockSignals(False)
        self.remove_button.setEnabled(self.model.remote.configured)

    def show_errors(self) -> None:
        for name, label in self.errors.items():
            message = self.model.errors.get(name, "")
            label.setText(message)
            self.form.setRowVisible(label, bool(message))
            set_invalid(self.widgets[name], bool(message))
        self.general_error.setText(self.model.general_error)
        self.general_error.setVisible(bool(self.model.general_error))
