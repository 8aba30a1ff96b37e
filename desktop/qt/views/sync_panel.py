"""The Sync panel: choose what to sync, compare (``SyncStatus``), then push or pull as a job with a
progress bar in bytes, its rate and ETA, and Cancel. A finished sync compares again."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.client import Connection
from desktop.models.job_text import can_cancel
from desktop.models.sync_model import CATEGORIES, COLUMNS, SyncModel
from desktop.qt.session import Session
from desktop.qt.theme import SPACING
from desktop.qt.widgets.common import error_label, muted_label
from desktop.qt.widgets.rows_table import RowsTableModel, make_table
from protos.omni.v1 import jobs_pb2

PROGRESS_STEPS = 1000
COLUMN_WIDTHS = {"State": 100, "Key": 460, "Group": 220, "Local size": 90}


class SyncPanel(QGroupBox):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Sync", parent)
        self.session = session
        self.model = SyncModel(session.jobs)
        self.configured = False

        self.categories: dict[str, QCheckBox] = {}
        row = QHBoxLayout()
        row.addWidget(QLabel("What:"))
        for name in CATEGORIES:
            box = QCheckBox(name.capitalize())
            box.setChecked(getattr(self.model.choice, name))
            box.toggled.connect(lambda checked, name=name: self.model.set_category(name, checked))
            self.categories[name] = box
            row.addWidget(box)
        self.categories["checkpoints"].setToolTip("Training checkpoints: large, left out unless ticked")
        row.addSpacing(SPACING * 3)
        self.dry_run = QCheckBox("Dry run")
        self.dry_run.setToolTip("Say what would move; move nothing")
        self.dry_run.toggled.connect(lambda checked: setattr(self.model, "dry_run", checked))
        self.overwrite = QCheckBox("Overwrite")
        self.overwrite.setToolTip(
            "Replace what differs on the receiving side (a replaced local file is kept under .omni/replaced/; "
            "model versions are never replaced)"
        )
        self.overwrite.toggled.connect(lambda checked: setattr(self.model, "overwrite", checked))
        row.addWidget(self.dry_run)
        row.addWidget(self.overwrite)
        row.addStretch(1)

        self.status_button = QPushButton("Status")
        self.status_button.setToolTip("Compare the workspace with the remote (nothing is downloaded)")
        self.status_button.clicked.connect(self.compare)
        self.push_button = QPushButton("Push")
        self.push_button.setProperty("primary", True)
        self.push_button.setToolTip("Send what only this workspace has (or what differs, with Overwrite)")
        self.push_button.clicked.connect(lambda: self.start(push=True))
        self.pull_button = QPushButton("Pull")
        self.pull_button.setProperty("primary", True)
        self.pull_button.setToolTip("Fetch what only the remote has (or what differs, with Overwrite)")
        self.pull_button.clicked.connect(lambda: self.start(push=False))
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        for button in (self.status_button, self.push_button, self.pull_button, self.cancel_button):
            row.addWidget(button)

        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.progress.setFixedSize(220, 10)
        self.job_text = muted_label()
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress)
        progress_row.addWidget(self.job_text, 1)

        self.error = error_label()
        self.summary = QLabel()
        self.summary.setObjectName("status")
        self.table_model = RowsTableModel(COLUMNS, self)
        self.table = make_table(self.table_model)
        for column, name in enumerate(COLUMNS):
            if name in COLUMN_WIDTHS:
                self.table.setColumnWidth(column, COLUMN_WIDTHS[name])
        self.placeholder = muted_label("Status lists what differs between this workspace and the remote.")

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(progress_row)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.table, 1)

        self.model.status_changed.connect(self._show_status)
        self.model.run.changed.connect(self._show_job)
        self.model.run.finished.connect(self._job_finished)
        self._show_status()
        self._show_job()

    def set_configured(self, configured: bool) -> None:
        """Whether the backend has a remote: without one there is nothing to compare or move."""
        self.configured = configured
        if not configured:
            self.model.status = None
            self._show_status()
        self._enable()

    # -- status ---------------------------------------------------------------------------------------

    def compare(self) -> None:
        choice = self.model.choice
        self.model.status_started()

        def work(connection: Connection) -> object:
            return connection.sync_status(choice.selection())

        self.session.run(
            work,
            owner=self,
            on_result=self.model.set_status,  # type: ignore[arg-type]
            on_error=lambda error: self.model.status_failed(f"Could not compare: {error}"),
        )

    def _show_status(self) -> None:
        self.table_model.set_rows(self.model.rows())
        self.summary.setText(self.model.summary())
        self.summary.setVisible(bool(self.summary.text()))
        self.placeholder.setVisible(not self.summary.text() and not self.model.error)
        self.error.setText(self.model.error)
        self.error.setVisible(bool(self.model.error))
        self._enable()

    # -- push and pull --------------------------------------------------------------------------------

    def start(self, *, push: bool) -> None:
        model = self.model
        choice = model.choice
        verb = "push" if push else "pull"
        self.error.setVisible(False)
        self.job_text.setText(f"Starting the {verb}…")
        self.push_button.setEnabled(False)
        self.pull_button.setEnabled(False)

        def work(connection: Connection) -> jobs_pb2.Job:
            spec = model.spec(push, choice.selection())
            return connection.submit(spec, labels={"origin": "storage-view"})

        self.session.run(work, owner=self, on_result=model.run.follow, on_error=lambda e: self._refused(verb, e))

    def _refused(self, verb: str, error: BaseException) -> None:
        self.job_text.setText("")
        self.model.status_failed(f"The {verb} could not start: {error}")

    def cancel(self) -> None:
        job = self.model.run.job
        if job is None or not can_cancel(job):
            return
        job_id = job.id
        self.cancel_button.setEnabled(False)
        self.session.run(
            lambda connection: connection.cancel_job(job_id),
            owner=self,
            on_error=lambda error: self.model.status_failed(f"Could not cancel: {error}"),
        )

    def _show_job(self) -> None:
        job = self.model.run.job
        running = self.model.run.running
        fraction = self.model.run.fraction()
        self.progress.setRange(0, PROGRESS_STEPS if fraction is not None or not running else 0)
        self.progress.setValue(int((fraction or 0) * PROGRESS_STEPS))
        self.progress.setVisible(running)
        self.job_text.setText(self.model.job_text())
        self.job_text.setVisible(job is not None)
        self.job_text.setToolTip("\n".join(f"{k}: {v}" for k, v in job.outputs.items()) if job is not None else "")
        self._enable()

    def _job_finished(self, job: jobs_pb2.Job) -> None:
        if job.state == jobs_pb2.JOB_STATE_SUCCEEDED:
            self.session.notify(self.model.job_text())
        if self.configured:
            self.compare()

    def _enable(self) -> None:
        running = self.model.run.running
        idle = self.configured and not running
        self.status_button.setEnabled(self.configured and not self.model.status_loading)
        self.push_button.setEnabled(idle)
        self.pull_button.setEnabled(idle)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(can_cancel(self.model.run.job))
