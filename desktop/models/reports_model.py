"""The Reports view's state: the reports the backend lists, the selected one, and the content fetched.

Content is cached per (report, format): a report does not change once written, so switching between
reports or between HTML and text costs one RPC per report and format.
"""

from __future__ import annotations

from typing import Literal

from desktop.models.events import Event
from desktop.models.report_html import report_row
from desktop.models.table_rows import Row
from protos.omni.v1 import reports_pb2

Format = Literal["html", "text"]


class ReportsModel:
    def __init__(self) -> None:
        self.reports: list[reports_pb2.ReportSummary] = []
        self.loaded = False  # a list arrived at least once
        self.selected_id: str | None = None
        self.format: Format = "html"
        self._content: dict[tuple[str, Format], str] = {}
        self.rows_changed: Event[[]] = Event()
        self.selection_changed: Event[[]] = Event()  # the selected report or the format changed
        self.content_changed: Event[[]] = Event()

    def set_reports(self, reports: list[reports_pb2.ReportSummary]) -> None:
        self.reports = list(reports)
        self.loaded = True
        ids = {report.id for report in self.reports}
        self._content = {key: text for key, text in self._content.items() if key[0] in ids}
        self.rows_changed.emit()
        if self.selected_id is not None and self.selected_id not in ids:
            self.select(None)

    def clear(self) -> None:
        """Another backend: forget its reports."""
        self._content.clear()
        self.loaded = False
        self.reports = []
        self.rows_changed.emit()
        self.select(None)

    def rows(self) -> list[Row]:
        return [report_row(report) for report in self.reports]

    def report(self, report_id: str | None) -> reports_pb2.ReportSummary | None:
        return next((report for report in self.reports if report.id == report_id), None)

    @property
    def selected(self) -> reports_pb2.ReportSummary | None:
        return self.report(self.selected_id)

    def select(self, report_id: str | None) -> None:
        if report_id != self.selected_id:
            self.selected_id = report_id
            self.selection_changed.emit()

    def set_format(self, fmt: Format) -> None:
        if fmt != self.format:
            self.format = fmt
            self.selection_changed.emit()

    # -- content --------------------------------------------------------------------------------------

    def content(self, report_id: str | None = None, fmt: Format | None = None) -> str | None:
        """The fetched content of ``report_id`` (default: the selected one) in ``fmt`` (default: the shown one)."""
        report_id = report_id or self.selected_id
        return None if report_id is None else self._content.get((report_id, fmt or self.format))

    def set_content(self, report_id: str, fmt: Format, text: str) -> None:
        self._content[(report_id, fmt)] = text
        if report_id == self.selected_id and fmt == self.format:
            self.content_changed.emit()

    def wanted(self) -> tuple[str, Format] | None:
        """What to fetch to show the selection, or None when it is shown (or nothing is selected)."""
        if self.selected_id is None or (self.selected_id, self.format) in self._content:
            return None
        return self.selected_id, self.format
