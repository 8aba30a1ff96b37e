"""Connect: where the backend is (address, token, TLS) or start one here; what the backend runs on."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.client import BackendTarget
from desktop.models import ConnectionState
from desktop.qt.session import Session
from desktop.qt.theme import ERROR, MUTED, SPACING, STATE_COLOURS
from desktop.qt.widgets.common import error_label, form_layout, muted_label, title, value_label
from protos.omni.v1 import jobs_pb2

_STATE_COLOURS = {
    ConnectionState.DISCONNECTED: MUTED,
    ConnectionState.CONNECTING: STATE_COLOURS[jobs_pb2.JOB_STATE_RUNNING],
    ConnectionState.CONNECTED: STATE_COLOURS[jobs_pb2.JOB_STATE_SUCCEEDED],
    ConnectionState.ERROR: ERROR,
}


class ConnectView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = session.connection_model

        self.address = QLineEdit()
        self.address.setPlaceholderText("host:port, e.g. gpu-server:50051")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("the backend's token ($OMNI_TOKEN on the server)")
        self.tls = QCheckBox("Use TLS")
        self.tls_ca = QLineEdit()
        self.tls_ca.setPlaceholderText("PEM file of the CA (optional; implies TLS)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_ca)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setProperty("primary", True)
        self.connect_button.clicked.connect(self._connect)
        self.address.returnPressed.connect(self._connect)
        self.embedded_button = QPushButton("Start embedded backend")
        self.embedded_button.setToolTip("Run a backend on this machine (loopback only, random token)")
        self.embedded_button.clicked.connect(session.start_embedded)
        self.status = value_label()
        self.status.setObjectName("status")
        self.error = error_label()

        ca_row = QHBoxLayout()
        ca_row.addWidget(self.tls_ca, 1)
        ca_row.addWidget(browse)
        buttons = QHBoxLayout()
        buttons.setSpacing(SPACING)
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.embedded_button)
        buttons.addStretch(1)

        form = form_layout()
        form.addRow("Address", self.address)
        form.addRow("Token", self.token)
        form.addRow("", self.tls)
        form.addRow("CA certificate", ca_row)
        form.addRow("", buttons)
        form.addRow("", self.status)
        form.addRow("", self.error)
        target_box = QGroupBox("Backend")
        target_box.setLayout(form)

        self.info_form = form_layout()
        self.info_placeholder = muted_label("Not connected.")
        self.info_box = QGroupBox("Backend system")
        info_layout = QVBoxLayout(self.info_box)
        info_layout.addWidget(self.info_placeholder)
        info_layout.addLayout(self.info_form)
        self.info_values: dict[str, QLabel] = {}

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 3)
        column.setSpacing(SPACING * 2)
        column.addWidget(title("Connect", "Connect to a compute backend, or start one on this machine."))
        column.addWidget(target_box)
        column.addWidget(self.info_box)
        column.addStretch(1)
        content.setMaximumWidth(900)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self._shown_target: BackendTarget | None = None
        self.model.changed.connect(self._refresh)
        self._refresh()

    # -- reading the model ----------------------------------------------------------------------------

    def _refresh(self) -> None:
        model = self.model
        busy = model.state is ConnectionState.CONNECTING
        self.connect_button.setEnabled(not busy)
        self.embedded_button.setEnabled(not busy)
        texts = {
            ConnectionState.DISCONNECTED: "Not connected",
            ConnectionState.CONNECTING: model.activity,
            ConnectionState.CONNECTED: f"Connected to {model.target.address if model.target else '?'}"
            + (" (embedded backend)" if model.embedded else ""),
            ConnectionState.ERROR: "Connection failed" if model.system is None else "Connection lost",
        }
        self.status.setText(texts[model.state])
        self.status.setStyleSheet(f"color: {_STATE_COLOURS[model.state]};")
        self.error.setText(model.error)
        self.error.setVisible(bool(model.error))
        if model.target is not None and model.target != self._shown_target:
            self._show_target(model.target)
        self._show_system()

    def _show_target(self, target: BackendTarget) -> None:
        self._shown_target = target
        self.address.setText(target.address)
        self.token.setText(target.token)
        self.tls.setChecked(target.tls)
        self.tls_ca.setText(str(target.tls_ca) if target.tls_ca else "")

    def _show_system(self) -> None:
        system = self.model.system
        self.info_placeholder.setVisible(system is None)
        if system is None:
            self.info_placeholder.setText(
                "Waiting for the backend…" if self.model.state is ConnectionState.CONNECTING else "Not connected."
            )
        rows = system.rows() if system is not None else []
        for label, value in rows:
            if label not in self.info_values:
                self.info_values[label] = value_label()
                self.info_form.addRow(label, self.info_values[label])
            self.info_values[label].setText(value)
        for widget in self.info_values.values():
            self.info_form.setRowVisible(widget, system is not None)
        self.info_box.setTitle(f"Backend system — {system.host}" if system is not None else "Backend system")

    # -- writing --------------------------------------------------------------------------------------

    def _connect(self) -> None:
        address = self.address.text().strip()
        if not address:
            self.error.setText("Enter the backend's address (host:port), or start an embedded backend.")
            self.error.setVisible(True)
            return
        ca_text = self.tls_ca.text().strip()
        target = BackendTarget(
            address,
            token=self.token.text().strip(),
            tls=self.tls.isChecked(),
            tls_ca=Path(ca_text) if ca_text else None,
        )
        if target.tls_ca is not None and not target.tls_ca.is_file():
            self.error.setText(f"CA certificate {ca_text!r} is not a file.")
            self.error.setVisible(True)
            return
        self._shown_target = target
        self.session.connect_to(target)

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "CA certificate", "", "PEM files (*.pem *.crt);;All files (*)")
        if path:
            self.tls_ca.setText(path)
            self.tls.setChecked(True)
