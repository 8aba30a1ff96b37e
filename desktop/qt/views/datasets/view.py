"""Datasets: every dataset on the backend with its counts; create, delete, edit classes, import a folder,
export, statistics, and "Open in Annotate".

Import from a folder a backend can read in place (embedded, or on loopback and not confined) is an
``import_dataset`` job; any other backend is sent the folder's images and labels from here (``FolderUpload``,
with progress and Cancel). Jobs started here show their progress from the session's live jobs stream; a
finished import refreshes the list.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.client.connection import TERMINAL_STATES, state_name
from desktop.models import folder_upload
from desktop.models.datasets_model import (
    COLUMNS,
    EXPORT_KIND,
    IMPORT_KIND,
    LOCATION_COLUMN,
    DatasetsModel,
    import_summary,
)
from desktop.models.job_text import progress_fraction, progress_text
from desktop.models.locations import SYNC_KINDS, RemoteListing, list_remote
from desktop.qt.session import Session
from desktop.qt.theme import SPACING
from desktop.qt.views.datasets.dialogs import ClassesDialog, CreateDialog, ExportDialog, ImportDialog
from desktop.qt.views.datasets.stats_panel import StatsPanel
from desktop.qt.views.datasets.upload import FolderUpload
from desktop.qt.widgets.common import confirm, error_label, muted_label, title
from desktop.qt.widgets.list_refresher import ListRefresher
from desktop.qt.widgets.rows_table import RowsTableModel, make_table, select_keys, selected_keys
from desktop.qt.widgets.sync_action import SyncAction
from omni_core.datasets.remote_import import ImportProgress
from omni_core.formats.report import ImportReport
from protos.omni.v1 import datasets_pb2, jobs_pb2

COLUMN_WIDTHS = {"Dataset": 200, "Images": 80, "To do": 70, "Done": 70, "Review": 70, "Boxes": 80, "Classes": 260}


def _datasets_of(value: Any) -> list[datasets_pb2.Dataset]:
    return list(value.datasets) if hasattr(value, "datasets") else list(value)


class DatasetsView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = DatasetsModel()
        self._tracked: dict[str, str] = {}  # job id -> what it does ("Importing /data/x")
        self._stats_loading = False
        self.classes_dialog: ClassesDialog | None = None
        self.upload: FolderUpload | None = None

        self.new_button = QPushButton("New dataset…")
        self.new_button.clicked.connect(self.create_dataset)
        self.import_button = QPushButton("Import folder…")
        self.import_button.setProperty("primary", True)
        self.import_button.clicked.connect(self.import_folder)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self._refresh)
        self.error = error_label()
        self.empty = muted_label()

        self.table_model = RowsTableModel(COLUMNS, self)
        self.table = make_table(self.table_model)
        for column, name in enumerate(COLUMNS):
            if name in COLUMN_WIDTHS:
                self.table.setColumnWidth(column, COLUMN_WIDTHS[name])
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_in_annotate())

        self.open_button = QPushButton("Open in Annotate")
        self.open_button.setProperty("primary", True)
        self.open_button.clicked.connect(self.open_in_annotate)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self.export_dataset)
        self.classes_button = QPushButton("Edit classes…")
        self.classes_button.clicked.connect(self.edit_classes)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.delete_dataset)
        self.job_label = QLabel()
        self.job_bar = QProgressBar()
        self.job_bar.setFixedWidth(180)
        self.job_bar.setTextVisible(False)
        self.job_bar.setFixedHeight(8)
        self.cancel_upload_button = QPushButton("Cancel import")
        self.cancel_upload_button.setToolTip("Stop after the image being sent; importing again sends the rest")
        self.cancel_upload_button.clicked.connect(self.cancel_upload)
        self.cancel_upload_button.setVisible(False)
        self.import_details = muted_label()
        self.import_details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_details.setVisible(False)
        self.sync_action = SyncAction(session, finished=self._refresh)
        actions = QHBoxLayout()
        actions.addWidget(self.job_label, 1)
        actions.addWidget(self.job_bar)
        actions.addWidget(self.cancel_upload_button)
        actions.addWidget(self.sync_action)
        for button in (self.delete_button, self.classes_button, self.export_button, self.open_button):
            actions.addWidget(button)

        self.stats = StatsPanel()
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.empty)
        table_layout.addLayout(actions)
        table_layout.addWidget(self.import_details)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(table_box)
        splitter.addWidget(self.stats)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([360, 340])

        toolbar = QHBoxLayout()
        toolbar.addWidget(title("Datasets", "Images, classes and labels on the backend."), 1)
        for button in (self.refresh_button, self.new_button, self.import_button):
            toolbar.addWidget(button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addLayout(toolbar)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)

        self.model.rows_changed.connect(self._show_rows)
        self.model.selection_changed.connect(self._show_selection)
        self.model.stats_changed.connect(self._show_stats)
        self.refresher = ListRefresher(
            session,
            self,
            lambda connection: connection.list_datasets(),
            on_result=lambda value: self.model.set_datasets(_datasets_of(value)),
            on_error=lambda error: self._show_error(f"Could not list the datasets: {error}"),
            on_clear=self.model.clear,
            kinds=[IMPORT_KIND, *SYNC_KINDS],
        )
        self.locations = ListRefresher(  # then where each dataset lives, when a remote is set (can be slow)
            session,
            self,
            lambda connection: list_remote(lambda: connection.list_datasets(include_remote=True)),
            on_result=self.model.set_remote_listing,
            on_error=lambda error: self.model.set_remote_listing(RemoteListing(None, f"Locations unknown: {error}")),
            on_clear=lambda: None,
            kinds=[IMPORT_KIND, *SYNC_KINDS],
        )
        session.remote_changed.connect(self.locations.refresh)
        session.jobs.row_changed.connect(self._job_row)
        session.jobs.row_inserted.connect(self._job_row)
        session.connection_model.changed.connect(self._update_buttons)
        self._show_rows()
        self._show_selection()
        self._show_job(None)

    # -- list and selection ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        self.refresher.refresh()
        self.locations.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresher.ensure_loaded()
        self.locations.ensure_loaded()

    def show_item(self, name: str) -> None:
        self.model.select(name)

    def _show_rows(self) -> None:
        self.table_model.set_rows(self.model.rows())
        select_keys(self.table, self.table_model, [self.model.selected] if self.model.selected else [])
        self.empty.setText(self.model.empty_text(self.session.connection_model.connected))
        self.empty.setVisible(bool(self.empty.text()))
        self.error.setVisible(False)
        self.table.setColumnHidden(LOCATION_COLUMN, not self.model.with_remote)
        self.empty.setToolTip(self.model.remote_note)
        if self.model.selected and self.model.stats is None:
            self._load_stats()
        self._update_buttons()

    def _table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        keys = selected_keys(self.table)
        self.model.select(keys[0] if keys else None)

    def _show_selection(self) -> None:
        select_keys(self.table, self.table_model, [self.model.selected] if self.model.selected else [])
        self._update_buttons()
        self._load_stats()

    def _update_buttons(self) -> None:
        connected = self.session.connection_model.connected
        has = self.model.current_is_local and connected  # a dataset only on the remote must be pulled first
        self.sync_action.set_target(self.model.sync_target() if connected else None)
        for button in (self.open_button, self.export_button, self.classes_button, self.delete_button):
            button.setEnabled(has)
        for button in (self.new_button, self.refresh_button):
            button.setEnabled(connected)
        self.import_button.setEnabled(connected and self.upload is None)  # one import from here at a time

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # -- statistics -------------------------------------------------------------------------------------

    def _load_stats(self) -> None:
        name = self.model.selected
        if name is None or not self.model.current_is_local:
            self._show_stats()
            return
        self._stats_loading = True
        self._show_stats()
        self.session.run(
            lambda connection: connection.dataset_stats(name),
            owner=self,
            on_result=self._stats_arrived,
            on_error=lambda error: self._show_error(f"Could not read the statistics of {name}: {error}"),
        )

    def _stats_arrived(self, stats: datasets_pb2.DatasetStats) -> None:
        self._stats_loading = False
        self.model.set_stats(stats)

    def _show_stats(self) -> None:
        self.stats.show_summary(self.model.summary(), loading=self._stats_loading)

    # -- actions ----------------------------------------------------------------------------------------

    def open_in_annotate(self) -> None:
        if self.model.selected:
            self.session.request_show("Annotate", self.model.selected)

    def create_dataset(self) -> None:
        dialog = CreateDialog(self)
        if not dialog.exec() or dialog.result_ is None:
            return
        name, classes = dialog.result_
        self.session.run(
            lambda connection: connection.create_dataset(name, classes),
            owner=self,
            on_result=self._created,
            on_error=lambda error: self._show_error(f"Could not create {name}: {error}"),
        )

    def _created(self, dataset: datasets_pb2.Dataset) -> None:
        self.model.upsert(dataset)
        self.model.select(dataset.name)
        self.session.notify(f"Created the dataset {dataset.name}")

    def delete_dataset(self) -> None:
        dataset = self.model.current
        if dataset is None:
            return
        text = (
            f"Delete the dataset {dataset.name} with its {dataset.image_count:,} images' labels?\n"
            "Image files shared with other datasets are kept. This cannot be undone."
        )
        if not confirm(self, "Delete dataset", text):
            return
        name = dataset.name
        self.session.run(
            lambda connection: connection.delete_dataset(name),
            owner=self,
            on_result=lambda _r: self._deleted(name),
            on_error=lambda error: self._show_error(f"Could not delete {name}: {error}"),
        )

    def _deleted(self, name: str) -> None:
        self.model.remove(name)
        self.session.notify(f"Deleted the dataset {name}")

    def edit_classes(self) -> None:
        dataset = self.model.current
        if dataset is None:
            return
        name = dataset.name
        dialog = ClassesDialog(dataset, lambda changes: self._update_classes(name, changes), self)
        self.classes_dialog = dialog
        dialog.open()

    def _update_classes(self, name: str, changes: list[datasets_pb2.ClassChange]) -> None:
        dialog = self.classes_dialog

        def done(dataset: datasets_pb2.Dataset) -> None:
            self.model.upsert(dataset)
            self._load_stats()
            if dialog is not None:
                dialog.applied()

        def refused(error: BaseException) -> None:
            if dialog is not None:
                dialog.show_refusal(str(error))

        self.session.run(
            lambda connection: connection.update_classes(name, changes),
            owner=self,
            on_result=done,
            on_error=refused,
        )

    def import_folder(self) -> None:
        uploads = not self.session.connection_model.reads_our_folders
        dialog = ImportDialog([d.name for d in self.model.datasets], self, uploads=uploads)
        if not dialog.exec() or dialog.spec is None:
            return
        spec = dialog.spec
        if uploads:
            self._upload(spec.import_dataset)
        else:
            self._submit(spec, f"Importing {spec.import_dataset.path}")

    def export_dataset(self) -> None:
        dataset = self.model.current
        if dataset is None:
            return
        dialog = ExportDialog(dataset.name, self)
        if dialog.exec() and dialog.spec is not None:
            self._submit(dialog.spec, f"Exporting {dataset.name} to {dialog.spec.export_dataset.out}")

    # -- jobs -------------------------------------------------------------------------------------------

    def _submit(self, spec: jobs_pb2.JobSpec, what: str) -> None:
        def submitted(job: jobs_pb2.Job) -> None:
            self._tracked[job.id] = what
            self._show_job(job)

        self.session.run(
            lambda connection: connection.submit(spec, labels={"origin": "datasets-view"}),
            owner=self,
            on_result=submitted,
            on_error=lambda error: self._show_error(f"{what} failed to start: {error}"),
        )

    def _job_row(self, row: int) -> None:
        job = self.session.jobs.job_at(row)
        if job.id in self._tracked:
            self._show_job(job)

    def _show_job(self, job: jobs_pb2.Job | None) -> None:
        if job is None:
            self.job_label.setText("")
            self.job_bar.setVisible(False)
            return
        what = self._tracked.get(job.id, job.kind)
        fraction = progress_fraction(job)
        self.job_bar.setVisible(job.state not in TERMINAL_STATES)
        self.job_bar.setRange(0, 1000 if fraction is not None else 0)
        self.job_bar.setValue(int((fraction or 0) * 1000))
        if job.state in TERMINAL_STATES:
            outcome = state_name(job.state)
            detail = f": {job.message}" if job.message else ""
            self.job_label.setText(f"{what} — {outcome}{detail}")
            self._tracked.pop(job.id, None)
            if job.kind in (IMPORT_KIND, EXPORT_KIND):
                self.refresher.refresh()
            if job.state == jobs_pb2.JOB_STATE_SUCCEEDED:
                self.session.notify(f"{what}: done")
                if job.kind == IMPORT_KIND and job.outputs.get("report"):
                    self._show_import_report(job.outputs["report"])
        else:
            self.job_label.setText(f"{what} — {progress_text(job) or state_name(job.state)}")

    def _show_import_report(self, key: str) -> None:
        """The import report's one line (and, as a tooltip, the files skipped and why)."""

        def shown(text: str) -> None:
            line, details = import_summary(json.loads(text))
            self.job_label.setText(f"Imported — {line}")
            self.job_label.setToolTip(details)

        self.session.run(
            lambda connection: connection.get_artifact_text(key),
            owner=self,
            on_result=shown,
            on_error=lambda error: self.job_label.setToolTip(f"The import report could not be read: {error}"),
        )

    # -- upload (backends that cannot read our folders) ------------------------------------------------

    def _upload(self, spec: datasets_pb2.ImportDatasetSpec) -> None:
        """Send the folder's images and labels from here, one batch at a time, with progress and Cancel."""
        upload = FolderUpload(self.session, spec, self)
        self.upload = upload
        upload.progressed.connect(self._upload_progressed)
        upload.finished.connect(self._upload_finished)
        upload.failed.connect(self._upload_failed)
        self._show_error("")
        self.import_details.setVisible(False)
        self.job_label.setToolTip("")
        self.job_label.setText(f"Reading {spec.path}…")
        self.job_bar.setRange(0, 0)
        self.job_bar.setVisible(True)
        self.cancel_upload_button.setEnabled(True)
        self.cancel_upload_button.setVisible(True)
        self._update_buttons()
        upload.start()

    def cancel_upload(self) -> None:
        if self.upload is not None:
            self.upload.cancel()
            self.cancel_upload_button.setEnabled(False)
            self.job_label.setText(f"{self.job_label.text()} — cancelling after this image…")

    def _upload_progressed(self, progress: ImportProgress) -> None:
        if self.upload is None or self.upload.cancelling:
            return
        self.job_label.setText(folder_upload.progress_text(progress))
        self.job_bar.setRange(0, 1000)
        self.job_bar.setValue(int(folder_upload.progress_fraction(progress) * 1000))

    def _upload_ended(self) -> None:
        if self.upload is not None:
            self.upload.deleteLater()
        self.upload = None
        self.cancel_upload_button.setVisible(False)
        self._show_job(None)
        self._update_buttons()
        self.refresher.refresh()

    def _upload_finished(self, report: ImportReport) -> None:
        self._upload_ended()
        line, details = folder_upload.result_line(report), folder_upload.result_details(report)
        self.job_label.setText(f"Imported — {line}")
        self.job_label.setToolTip(details)
        self.import_details.setText(details)
        self.import_details.setVisible(bool(details))
        self.session.notify(f"Imported {report.dataset}: {report.added:,} images, {report.boxes:,} boxes")

    def _upload_failed(self, error: BaseException) -> None:
        self._upload_ended()
        text = f"The import stopped: {error}. Importing the folder again sends what is missing."
        self.job_label.setText(text)
        self._show_error(text)
