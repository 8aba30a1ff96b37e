"""A read-only table of view-model ``Row``s: the Qt model that draws them and a table view set up like the
Jobs table. Tones map to fonts and colours here, and only here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from desktop.models.table_rows import Row
from desktop.qt.theme import ERROR, MUTED, STATE_COLOURS, monospace_font, state_colour
from protos.omni.v1 import jobs_pb2

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
TONE_COLOURS = {
    "good": STATE_COLOURS[jobs_pb2.JOB_STATE_SUCCEEDED],
    "current": STATE_COLOURS[jobs_pb2.JOB_STATE_SUCCEEDED],
    "bad": ERROR,
    "muted": MUTED,
}
BOLD_TONES = frozenset({"bold", "good", "bad", "current", "state"})

Index = QModelIndex | QPersistentModelIndex


class RowsTableModel(QAbstractTableModel):
    def __init__(self, columns: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows: list[Row] = []
        self._mono = monospace_font()
        self._bold = QFont()
        self._bold.setBold(True)

    def set_rows(self, rows: list[Row], columns: tuple[str, ...] | None = None) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        if columns is not None:
            self.columns = columns
        self.endResetModel()

    def row_of(self, key: str) -> int | None:
        return next((row for row, item in enumerate(self.rows) if item.key == key), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[column] if column < len(row.cells) else ""
        if role == KEY_ROLE:
            return row.key
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltips.get(column)
        tone = row.tone(column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if tone == "state":
                return state_colour(row.state)
            return QColor(TONE_COLOURS[tone]) if tone in TONE_COLOURS else None
        if role == Qt.ItemDataRole.FontRole:
            if tone == "mono":
                return self._mono
            if tone in BOLD_TONES:
                return self._bold
        return None


def make_table(model: RowsTableModel, *, multi: bool = False) -> QTableView:
    """A table like the Jobs table: whole rows selected, no grid, alternating rows, no editing."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection if multi else QAbstractItemView.SelectionMode.SingleSelection
    )
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(28)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(True)
    return table


def selected_keys(table: QTableView) -> list[str]:
    """The keys of the selected rows, in the order they were selected."""
    return [index.data(KEY_ROLE) for index in table.selectionModel().selectedRows()]


def select_keys(table: QTableView, model: RowsTableModel, keys: list[str]) -> None:
    """Select exactly the rows of ``keys`` (without emitting anything if that is the selection already)."""
    if selected_keys(table) == keys:
        return
    wanted = QItemSelection()
    for key in keys:
        row = model.row_of(key)
        if row is not None:
            wanted.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    table.selectionModel().select(wanted, flags)
    if not wanted.isEmpty():
        table.scrollTo(wanted.indexes()[0])
