"""Storage: the workspace's remote on MinIO or S3 — set it, test it step by step, compare and sync.

The form (``storage_form``), the current remote and its test (``storage_check``) and the sync panel
(``sync_panel``) draw Qt-free models; this view makes their calls off the UI thread and tells the other
views (``Session.remote_changed``) when the remote is saved or removed, so their Location columns follow.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QVBoxLayout, QWidget

from desktop.models.remote_check import RemoteCheckModel
from desktop.models.storage_model import StorageFormModel
from desktop.qt.session import Session
from desktop.qt.theme import SPACING
from desktop.qt.views.storage_check import RemotePanel
from desktop.qt.views.storage_form import RemoteForm
from desktop.qt.views.sync_panel import SyncPanel
from desktop.qt.widgets.common import confirm, error_label, title
from protos.omni.v1 import storage_pb2


class StorageView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = StorageFormModel()
        self.check = RemoteCheckModel()
        self._loaded_for: str | None = None  # the backend whose remote is on screen

        self.form = RemoteForm(self.model)
        self.form.save_button.clicked.connect(self.save)
        self.form.remove_button.clicked.connect(self.remove)
        self.remote_panel = RemotePanel(self.model, self.check)
        self.remote_panel.test_button.clicked.connect(self.test)
        self.sync = SyncPanel(session)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.load)
        self.error = error_label()

        top = QWidget()
        columns = QHBoxLayout(top)
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(SPACING * 2)
        columns.addWidget(self.form, 5)
        columns.addWidget(self.remote_panel, 6)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.sync)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([470, 230])

        toolbar = QHBoxLayout()
        toolbar.addWidget(
            title("Storage", "The workspace's remote on MinIO or S3: what several backends and people share."), 1
        )
        toolbar.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addLayout(toolbar)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)

        self.model.remote_changed.connect(lambda: self.sync.set_configured(self.model.remote.configured))
        session.connection_model.changed.connect(self._connection_changed)
        self._connection_changed()

    # -- loading --------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._loaded_for is None and self.session.connection_model.connected:
            self.load()

    def _address(self) -> str | None:
        target = self.session.connection_model.target
        return target.address if target is not None and self.session.connection_model.connected else None

    def _connection_changed(self) -> None:
        connected = self.session.connection_model.connected
        self.refresh_button.setEnabled(connected)
        self.form.save_button.setEnabled(connected)
        address = self._address()
        if address is not None and address != self._loaded_for:
            self.load()

    def load(self) -> None:
        """Read the backend's remote (the form keeps what is being typed)."""
        self._loaded_for = self._address()
        self.session.run(
            lambda connection: connection.get_remote(),
            owner=self,
            on_result=self._remote_loaded,
            on_error=lambda error: self._show_error(f"Could not read the remote: {error}"),
        )

    def _remote_loaded(self, remote: storage_pb2.RemoteConfig) -> None:
        self._show_error("")
        self.model.load_remote(remote, keep_edits=True)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # -- actions --------------------------------------------------------------------------------------

    def save(self) -> None:
        request = self.model.take_request()  # the secret leaves the model here
        self.form.save_button.setEnabled(False)

        def saved(remote: storage_pb2.RemoteConfig) -> None:
            self.form.save_button.setEnabled(True)
            self.model.saved(remote)
            self.check.clear()
            self.session.notify(f"Saved the remote {remote.url}")
            self.session.remote_changed.emit()

        def refused(error: BaseException) -> None:
            self.form.save_button.setEnabled(True)
            self.model.save_failed(error)

        self.session.run(
            lambda connection: connection.set_remote(request), owner=self, on_result=saved, on_error=refused
        )

    def remove(self) -> None:
        question = "Forget this workspace's remote and the keys kept for it? Nothing on the remote is deleted."
        if not confirm(self, "Remove the remote", question):
            return

        def removed(_: object) -> None:
            self.model.load_remote(storage_pb2.RemoteConfig())
            self.check.clear()
            self.session.notify("Removed the remote")
            self.session.remote_changed.emit()

        self.session.run(
            lambda connection: connection.unset_remote(),
            owner=self,
            on_result=removed,
            on_error=lambda error: self._show_error(f"Could not remove the remote: {error}"),
        )

    def test(self) -> None:
        create = self.check.create_buckets
        self.check.start()
        self.session.run(
            lambda connection: connection.check_remote(create_buckets=create),
            owner=self,
            on_result=self.check.finished,
            on_error=self.check.failed,
        )
