"""Reports: every training report, read inside the app (HTML with its curves, or the plain text), and
saved as a self-contained HTML file on this machine.

The list refreshes on demand, on connecting, and when a training run ends (a report is written whatever
the outcome).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.models.report_html import COLUMNS
from desktop.models.reports_model import Format, ReportsModel
from desktop.models.training_runs import TRAIN_KINDS
from desktop.qt.session import Session
from desktop.qt.theme import SPACING, monospace_font
from desktop.qt.widgets.common import error_label, muted_label, title
from desktop.qt.widgets.list_refresher import ListRefresher
from desktop.qt.widgets.report_browser import ReportBrowser
from desktop.qt.widgets.rows_table import RowsTableModel, make_table, select_keys, selected_keys
from protos.omni.v1 import reports_pb2

COLUMN_WIDTHS = {"ID": 300, "State": 90, "Title": 230, "Model version": 290}


def ask_save_path(parent: QWidget, suggested: str) -> str:
    """Where to save; "" if the user cancels. Tests replace this function."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save report as HTML", suggested, "HTML files (*.html)")
    return path


class ReportsView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = ReportsModel()
        self._pending_select: str | None = None  # show_item before the report was listed
        self._fetching: set[tuple[str, Format]] = set()
        self._syncing = False
        self._save_after_fetch: str | None = None  # a report whose HTML is saved once it arrives
        self.last_saved: Path | None = None

        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.error = error_label()
        self.status = muted_label()

        self.table_model = RowsTableModel(COLUMNS, self)
        self.table = make_table(self.table_model)
        for column, name in enumerate(COLUMNS):
            if name in COLUMN_WIDTHS:
                self.table.setColumnWidth(column, COLUMN_WIDTHS[name])
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)

        self.heading = QLabel()
        self.heading.setFont(monospace_font(11))
        self.html_button = QPushButton("HTML")
        self.text_button = QPushButton("Text")
        self.formats = QButtonGroup(self)
        for button, fmt in ((self.html_button, "html"), (self.text_button, "text")):
            button.setCheckable(True)
            self.formats.addButton(button)
            button.clicked.connect(lambda _=False, fmt=fmt: self.model.set_format(fmt))
        self.html_button.setChecked(True)
        self.save_button = QPushButton("Save HTML…")
        self.save_button.clicked.connect(self.save_html)
        bar = QHBoxLayout()
        bar.addWidget(self.heading, 1)
        bar.addWidget(self.html_button)
        bar.addWidget(self.text_button)
        bar.addSpacing(SPACING)
        bar.addWidget(self.save_button)
        self.browser = ReportBrowser()
        self.browser_status = muted_label()
        viewer = QWidget()
        viewer_layout = QVBoxLayout(viewer)
        viewer_layout.setContentsMargins(0, 0, 0, 0)
        viewer_layout.addLayout(bar)
        viewer_layout.addWidget(self.browser_status)
        viewer_layout.addWidget(self.browser, 1)

        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.status)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(table_box)
        splitter.addWidget(viewer)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([180, 520])

        toolbar = QHBoxLayout()
        toolbar.addWidget(title("Reports", "Written at the end of every training run, whatever its outcome."), 1)
        toolbar.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addLayout(toolbar)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)

        self.model.rows_changed.connect(self._show_rows)
        self.model.selection_changed.connect(self._show_selection)
        self.model.content_changed.connect(self._show_content)
        self.refresher = ListRefresher(  # every run writes a report, whatever its outcome
            session,
            self,
            lambda connection: connection.list_reports(),
            on_result=self._listed,
            on_error=self._list_failed,
            on_clear=self.model.clear,
            kinds=sorted(TRAIN_KINDS),
        )
        session.connection_model.changed.connect(self._show_status)
        self._show_rows()
        self._show_selection()

    # -- the list -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.refresher.refresh()
        self._show_status()

    def _listed(self, reports: list[reports_pb2.ReportSummary]) -> None:
        self.error.setVisible(False)
        self.model.set_reports(reports)
        pending, self._pending_select = self._pending_select, None
        if pending is not None:
            self.show_item(pending, refresh=False)

    def _list_failed(self, error: BaseException) -> None:
        self._show_error(f"Could not list the reports: {error}")
        self._show_status()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresher.ensure_loaded()

    def show_item(self, report_id: str, *, refresh: bool = True) -> None:
        """Select and show ``report_id`` (listing the reports again first if we do not know it yet)."""
        if self.model.report(report_id) is None:
            if refresh or self.refresher.loading:  # not listed yet: select it once it is
                self._pending_select = report_id
            if refresh:
                self.refresh()
            return
        self._pending_select = None
        self.model.select(report_id)

    def _show_rows(self) -> None:
        self._syncing = True
        try:
            self.table_model.set_rows(self.model.rows())
            select_keys(self.table, self.table_model, [self.model.selected_id] if self.model.selected_id else [])
        finally:
            self._syncing = False
        self._show_status()

    def _show_status(self) -> None:
        if self.refresher.loading:
            text = "Loading…"
        elif not self.session.connection_model.connected and not self.model.loaded:
            text = "Not connected to a backend (see Connect)."
        elif not self.model.loaded:
            text = ""
        elif not self.model.reports:
            text = "No reports yet: each training run writes one when it ends."
        else:
            count = len(self.model.reports)
            text = f"{count} report" if count == 1 else f"{count} reports"
        self.status.setText(text)

    def _table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if not self._syncing:
            keys = selected_keys(self.table)
            self.model.select(keys[0] if keys else None)

    # -- the selected report --------------------------------------------------------------------------

    def _show_selection(self) -> None:
        self._syncing = True
        try:
            select_keys(self.table, self.table_model, [self.model.selected_id] if self.model.selected_id else [])
        finally:
            self._syncing = False
        self.html_button.setChecked(self.model.format == "html")
        self.text_button.setChecked(self.model.format == "text")
        report = self.model.selected
        self.save_button.setEnabled(report is not None)
        self.heading.setText(report.id if report is not None else "")
        wanted = self.model.wanted()
        if wanted is not None:
            self.browser_status.setText("Loading the report…")
            self.browser_status.setVisible(True)
            self._fetch(*wanted)
        self._show_content()

    def _fetch(self, report_id: str, fmt: Format) -> None:
        if (report_id, fmt) in self._fetching:
            return
        self._fetching.add((report_id, fmt))
        self.session.run(
            lambda connection: connection.get_report(report_id, fmt),
            owner=self,
            on_result=lambda content: self._fetched(report_id, fmt, content),
            on_error=lambda error: self._fetch_failed(report_id, fmt, error),
        )

    def _fetched(self, report_id: str, fmt: Format, content: str) -> None:
        self._fetching.discard((report_id, fmt))
        self.model.set_content(report_id, fmt, content)
        if fmt == "html" and self._save_after_fetch == report_id:
            self._save_after_fetch = None
            self._write_html(report_id, content)

    def _fetch_failed(self, report_id: str, fmt: Format, error: BaseException) -> None:
        self._fetching.discard((report_id, fmt))
        if report_id == self.model.selected_id:
            self.browser_status.setText(f"Could not load the report: {error}")
            self.browser_status.setVisible(True)

    def _show_content(self) -> None:
        content = self.model.content()
        if content is None:
            if self.model.selected_id is None:
                self.browser.show_text("")
                self.browser_status.setText("Select a report to read it here.")
                self.browser_status.setVisible(True)
            return
        self.browser_status.setVisible(False)
        if self.model.format == "html":
            self.browser.show_html(content)
        else:
            self.browser.show_text(content)

    # -- saving ---------------------------------------------------------------------------------------

    def save_html(self) -> None:
        """Ask where, then write the selected report's HTML there (fetching it first if needed)."""
        report_id = self.model.selected_id
        if report_id is None:
            return
        html = self.model.content(report_id, "html")
        if html is None:
            self._save_after_fetch = report_id
            self._fetch(report_id, "html")
            return
        self._write_html(report_id, html)

    def _write_html(self, report_id: str, html: str) -> None:
        path = ask_save_path(self, str(Path.home() / f"{report_id}.html"))
        if not path:
            return
        try:
            Path(path).write_text(html, encoding="utf-8")
        except OSError as error:
            self._show_error(f"Could not save {path}: {error}")
            return
        self.last_saved = Path(path)
        self.error.setVisible(False)
        self.session.notify(f"Saved {path}")

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
        self.session.notify(text)
