"""The jobs table: a QAbstractTableModel over JobsModel, and a delegate that draws progress bars."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from desktop.models import JobsModel
from desktop.models.job_text import COLUMNS, cell_text, progress_fraction
from desktop.qt.theme import monospace_font, state_colour

PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 1  # fraction done in [0, 1], or None when the total is unknown
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 2
STATE_COLOUR_ROLE = Qt.ItemDataRole.UserRole + 3

ID_COLUMN = COLUMNS.index("ID")
STATE_COLUMN = COLUMNS.index("State")
PROGRESS_COLUMN = COLUMNS.index("Progress")
RIGHT_ALIGNED = {COLUMNS.index("Rate"), COLUMNS.index("ETA")}

Index = QModelIndex | QPersistentModelIndex


class JobsTableModel(QAbstractTableModel):
    """Rows are JobsModel's jobs in its order; it only translates JobsModel's events into Qt's."""

    def __init__(self, jobs: JobsModel) -> None:
        super().__init__()
        self.jobs = jobs
        self._mono = monospace_font()
        self._bold = QFont()
        self._bold.setBold(True)
        jobs.row_inserted.connect(self._row_inserted)
        jobs.row_changed.connect(self._row_changed)
        jobs.reset.connect(self._reset)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.jobs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.jobs):
            return None
        job = self.jobs.job_at(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(job, column)
        if role == PROGRESS_ROLE:
            return progress_fraction(job)
        if role == STATE_COLOUR_ROLE:
            return state_colour(job.state)
        if role == JOB_ID_ROLE:
            return job.id
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE_COLUMN:
            return state_colour(job.state)
        if role == Qt.ItemDataRole.FontRole:
            if column == ID_COLUMN:
                return self._mono
            if column == STATE_COLUMN:
                return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == STATE_COLUMN and job.message:
                return job.message
            if column == PROGRESS_COLUMN and job.progress.message:
                return job.progress.message
        if role == Qt.ItemDataRole.TextAlignmentRole and column in RIGHT_ALIGNED:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _row_inserted(self, row: int) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self.endInsertRows()

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def _reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()


class ProgressDelegate(QStyledItemDelegate):
    """Draws the Progress column as a slim bar in the job's state colour, with the cell's text on it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        fraction = index.data(PROGRESS_ROLE)
        if fraction is None:
            super().paint(painter, option, index)
            return
        # the row's background (selection, alternate colour) first, without the text
        style = option.widget.style() if option.widget is not None else QApplication.style()
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, option.widget)

        colour = QColor(index.data(STATE_COLOUR_ROLE))
        rect = QRectF(option.rect.adjusted(4, 5, -4, -5))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e5e7eb"))
        painter.drawRoundedRect(rect, 3, 3)
        if fraction > 0:
            tint = QColor(colour)
            tint.setAlpha(90)
            painter.setBrush(tint)
            painter.drawRoundedRect(
                QRectF(rect.left(), rect.top(), max(6.0, rect.width() * fraction), rect.height()), 3, 3
            )
        painter.setPen(QColor("#111827"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, index.data(Qt.ItemDataRole.DisplayRole) or "")
        painter.restore()
