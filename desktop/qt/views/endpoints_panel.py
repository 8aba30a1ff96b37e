"""The Models view's Endpoints tab: the SageMaker endpoints of the backend's account and region, a photo sent to
the selected one (its detections shown), and delete. A thin widget over ``EndpointsModel``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from desktop.models.endpoints_model import COLUMNS, EndpointsModel, answer_lines, content_type
from desktop.qt.session import Session
from desktop.qt.theme import monospace_font
from desktop.qt.widgets.common import confirm, muted_label
from desktop.qt.widgets.rows_table import RowsTableModel, make_table, selected_keys
from protos.omni.v1 import cloud_pb2


class EndpointsPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = EndpointsModel()
        self.table_model = RowsTableModel(COLUMNS, self)
        self.table = make_table(self.table_model)
        for column, width in ((0, 280), (1, 110), (2, 240)):  # names and versions are long
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.status = muted_label("Press Refresh to list the SageMaker endpoints.")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.invoke_button = QPushButton("Invoke on image…")
        self.invoke_button.clicked.connect(self._invoke)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self._delete)
        self.answer = QPlainTextEdit()
        self.answer.setReadOnly(True)
        self.answer.setFont(monospace_font())
        self.answer.setPlaceholderText("The detections of the photo you send appear here.")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.refresh_button, self.invoke_button, self.delete_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.answer, 1)
        self.model.changed.connect(self._show)
        self._show()

    def _show(self) -> None:
        self.table_model.set_rows(self.model.rows())
        self.invoke_button.setEnabled(self.model.can_invoke())
        self.delete_button.setEnabled(self.model.can_delete())
        self.answer.setPlainText("\n".join(self.model.answer))

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        keys = selected_keys(self.table)
        self.model.select(keys[0] if keys else "")

    def refresh(self) -> None:
        self.status.setText("Listing…")
        self.session.run(
            lambda connection: connection.list_endpoints(),
            owner=self,
            on_result=self._listed,
            on_error=lambda error: self.status.setText(f"Could not list endpoints: {error}"),
        )

    def _listed(self, endpoints: list[object]) -> None:
        self.model.set_endpoints(endpoints)  # type: ignore[arg-type]
        self.status.setText(f"{len(endpoints)} endpoints")

    def _invoke(self) -> None:
        name = self.model.selected
        chosen, _ = QFileDialog.getOpenFileName(self, "Send a photo", "", "Photos (*.jpg *.jpeg *.png)")
        if not chosen:
            return
        self.invoke_path(name, Path(chosen))

    def invoke_path(self, name: str, path: Path) -> None:
        """Send ``path`` to endpoint ``name`` and show its answer (the dialog-free half of Invoke)."""
        kind = content_type(path)
        if kind is None:
            self.model.set_answer([f"{path.name}: send a .jpg or .png photo"])
            return
        try:
            body = path.read_bytes()
        except OSError as error:
            self.model.set_answer([f"{path.name}: {error.strerror}"])
            return
        self.status.setText(f"Sending {path.name} to {name} (a cold start can take a minute)…")
        self.session.run(
            lambda connection: connection.invoke_endpoint(name, body, kind),
            owner=self,
            on_result=self._answered,
            on_error=lambda error: self.model.set_answer([f"{name} did not answer: {error}"]),
        )

    def _answered(self, answer: cloud_pb2.InvokeEndpointResponse) -> None:
        self.status.setText("")
        self.model.set_answer(answer_lines(answer.body))

    def _delete(self) -> None:
        name = self.model.selected
        question = f"Delete endpoint {name}? Its configuration and SageMaker model go too; the version stays here."
        if not name or not confirm(self, "Delete endpoint", question):
            return
        self.session.run(
            lambda connection: connection.delete_endpoint(name),
            owner=self,
            on_result=lambda _: self.refresh(),
            on_error=lambda error: self.status.setText(f"Could not delete {name}: {error}"),
        )
