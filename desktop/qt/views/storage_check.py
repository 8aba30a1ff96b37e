"""The remote the backend holds now (where its buckets are, where its keys come from) and "Test connection":
each step of ``CheckRemote`` with its result, time and detail, and the round-trip time."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.models.remote_check import COLUMNS, RemoteCheckModel
from desktop.models.storage_model import StorageFormModel
from desktop.qt.theme import ERROR, STATE_COLOURS
from desktop.qt.widgets.common import form_layout, muted_label, value_label
from desktop.qt.widgets.rows_table import RowsTableModel, make_table
from protos.omni.v1 import jobs_pb2

OK_COLOUR = STATE_COLOURS[jobs_pb2.JOB_STATE_SUCCEEDED]


class RemotePanel(QGroupBox):
    def __init__(self, form: StorageFormModel, check: RemoteCheckModel, parent: QWidget | None = None) -> None:
        super().__init__("Current remote", parent)
        self.form_model = form
        self.check = check

        self.summary_form: QFormLayout = form_layout()
        self.test_button = QPushButton("Test connection")
        self.test_button.setToolTip("Reach the server, check the keys and buckets, write, read and delete a probe")
        self.create_buckets = QCheckBox("Create missing buckets")
        self.create_buckets.setToolTip("Create the layout's buckets that do not exist yet (the key needs the right)")
        self.create_buckets.toggled.connect(lambda checked: setattr(check, "create_buckets", checked))
        self.result = value_label()
        self.result.setVisible(False)
        self.steps_model = RowsTableModel(COLUMNS, self)
        self.steps = make_table(self.steps_model)
        self.steps.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.steps.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.steps.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.steps.setWordWrap(True)
        self.steps.setVisible(False)
        self.placeholder = muted_label("Save a remote, then test it: every step is timed and explained.")

        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.create_buckets)
        test_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(self.summary_form)
        layout.addLayout(test_row)
        layout.addWidget(self.result)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.placeholder)
        layout.addStretch(0)

        form.remote_changed.connect(self.show_remote)
        check.changed.connect(self.show_check)
        self.show_remote()
        self.show_check()

    def show_remote(self) -> None:
        while self.summary_form.rowCount():
            self.summary_form.removeRow(0)
        for label, value in self.form_model.lines():
            self.summary_form.addRow(label, value_label(value))
        self._enable()

    def show_check(self) -> None:
        check = self.check
        text = check.summary()
        self.result.setText(text)
        self.result.setVisible(bool(text))
        colour = "" if check.running else OK_COLOUR if check.ok else ERROR if check.ok is False or check.error else ""
        self.result.setStyleSheet(f"color: {colour}; font-weight: 600;" if colour else "")
        rows = check.rows()
        self.steps_model.set_rows(rows)
        self.steps.resizeRowsToContents()
        self.steps.setVisible(bool(rows))
        self.placeholder.setVisible(not rows and not text)
        self._enable()

    def _enable(self) -> None:
        self.test_button.setEnabled(self.form_model.remote.configured and not self.check.running)
