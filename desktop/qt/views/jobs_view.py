"""Jobs: every job of the backend, live; the selected job's detail; cancel, resume, new synthetic data."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.models.job_text import COLUMNS, can_cancel, can_resume
from desktop.qt.dialogs.synth_dialog import SynthDialog
from desktop.qt.session import Session
from desktop.qt.theme import SPACING
from desktop.qt.views.job_detail import JobDetail
from desktop.qt.views.jobs_table import JOB_ID_ROLE, PROGRESS_COLUMN, JobsTableModel, ProgressDelegate
from desktop.qt.widgets.common import error_label, muted_label, title
from protos.omni.v1 import jobs_pb2

COLUMN_WIDTHS = {"ID": 310, "Kind": 140, "State": 100, "Rate": 110, "ETA": 80, "Created": 130}


class JobsView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.jobs = session.jobs
        self._dialog: SynthDialog | None = None

        self.new_button = QPushButton("New synthetic data…")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.open_synth_dialog)
        self.cancel_button = QPushButton("Cancel job")
        self.cancel_button.clicked.connect(self._cancel)
        self.resume_button = QPushButton("Resume job")
        self.resume_button.clicked.connect(self._resume)
        self.error = error_label()
        self.empty = muted_label()

        self.table_model = JobsTableModel(self.jobs)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setItemDelegateForColumn(PROGRESS_COLUMN, ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, name in enumerate(COLUMNS):
            if name in COLUMN_WIDTHS:
                self.table.setColumnWidth(column, COLUMN_WIDTHS[name])
        header.setSectionResizeMode(PROGRESS_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)

        self.detail = JobDetail(session)
        splitter = QSplitter(Qt.Orientation.Vertical)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.empty)
        splitter.addWidget(table_box)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([280, 470])

        toolbar = QHBoxLayout()
        toolbar.addWidget(title("Jobs", "Everything the backend runs, live."), 1)
        toolbar.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignBottom)
        toolbar.addWidget(self.resume_button, 0, Qt.AlignmentFlag.AlignBottom)
        toolbar.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addLayout(toolbar)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)

        self.jobs.selection_changed.connect(self._model_selection_changed)
        self.jobs.row_changed.connect(lambda _row: self._update_buttons())
        self.jobs.row_inserted.connect(lambda _row: self._update_empty())
        self.jobs.reset.connect(self._update_empty)
        self.jobs.snapshot_done.connect(self._update_empty)
        session.connection_model.changed.connect(self._update_empty)
        self._update_buttons()
        self._update_empty()

    # -- selection: the table and JobsModel.selected_id mirror each other ---------------------------

    def _table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.jobs.select(rows[0].data(JOB_ID_ROLE) if rows else None)

    def _model_selection_changed(self, job_id: str | None) -> None:
        row = self.jobs.row_of(job_id) if job_id is not None else None
        selection = self.table.selectionModel()
        current = selection.selectedRows()
        if row is None:
            if current:
                selection.clearSelection()
        elif not current or current[0].row() != row:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            selection.select(self.table_model.index(row, 0), flags)
            self.table.scrollTo(self.table_model.index(row, 0))
        self._update_buttons()

    def _update_buttons(self) -> None:
        job = self.jobs.selected
        self.cancel_button.setEnabled(can_cancel(job))
        self.resume_button.setEnabled(can_resume(job))

    def _update_empty(self) -> None:
        connected = self.session.connection_model.connected
        if len(self.jobs):
            text = ""
        elif not connected:
            text = "Not connected to a backend (see Connect)."
        elif not self.jobs.snapshot_complete:
            text = "Loading jobs…"
        else:
            text = "No jobs yet. Start one with “New synthetic data…”."
        self.empty.setText(text)
        self.empty.setVisible(bool(text))

    # -- actions --------------------------------------------------------------------------------------

    def _cancel(self) -> None:
        job = self.jobs.selected
        if job is None:
            return
        job_id = job.id
        self.cancel_button.setEnabled(False)
        self.session.notify(f"Cancelling {job_id}…")
        self.session.run(
            lambda connection: connection.cancel_job(job_id),
            owner=self,
            on_result=self._job_returned,
            on_error=lambda error: self._action_failed(f"Could not cancel {job_id}", error),
        )

    def _resume(self) -> None:
        job = self.jobs.selected
        if job is None:
            return
        job_id = job.id
        self.resume_button.setEnabled(False)
        self.session.run(
            lambda connection: connection.resume_job(job_id),
            owner=self,
            on_result=lambda new_job: self._job_returned(new_job, select=True),
            on_error=lambda error: self._action_failed(f"Could not resume {job_id}", error),
        )

    def _job_returned(self, job: jobs_pb2.Job, select: bool = False) -> None:
        self.error.setVisible(False)
        self.jobs.upsert(job)
        if select:
            self.jobs.select(job.id)
            self.session.notify(f"Started {job.id}")
        self._update_buttons()

    def _action_failed(self, what: str, error: BaseException) -> None:
        text = f"{what}: {error}"
        self.error.setText(text)
        self.error.setVisible(True)
        self.session.notify(text)
        self._update_buttons()

    def open_synth_dialog(self) -> SynthDialog:
        if self._dialog is None:
            self._dialog = SynthDialog(self.session, self)
            self._dialog.submitted.connect(self._submitted)
        self._dialog.show()
        self._dialog.raise_()
        self._dialog.activateWindow()
        return self._dialog

    def _submitted(self, job: jobs_pb2.Job) -> None:
        self.jobs.upsert(job)
        self.jobs.select(job.id)
        self.session.notify(f"Submitted {job.id}")

    def stop(self) -> None:
        """Stop the detail's event stream (the window is closing)."""
        self.detail.stop()
        if self._dialog is not None:
            self._dialog.close()
