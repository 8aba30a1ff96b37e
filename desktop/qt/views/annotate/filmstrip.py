"""The image list beside the canvas: every image of the (filtered) dataset as a row with a lazily
loaded thumbnail, its name, status and box count. Rows past the loaded pages exist (the list knows the
total) and show a placeholder until their page arrives; thumbnails are asked for only when a row is
painted, so scrolling through 10,000 images fetches only what is seen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.models.annotate.boxes import status_name
from desktop.models.annotate.session import AnnotationSession
from desktop.qt.views.annotate.bridge import DecodedImage
from desktop.qt.widgets.class_colours import status_colour

Index = QModelIndex | QPersistentModelIndex
ROW_HEIGHT = 64
THUMB = QSize(84, 56)
IMAGE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
BOXES_ROLE = Qt.ItemDataRole.UserRole + 3
THUMB_ROLE = Qt.ItemDataRole.UserRole + 4


class ImageListModel(QAbstractListModel):
    """Rows are never inserted one by one: the list knows its total. Row content changes are announced
    with ``repaint_rows`` rather than ``dataChanged``: QListView answers every ``dataChanged`` with a
    relayout of all rows (two ``rowCount`` calls into Python per row: ~40 ms at 10,000 rows), while the
    rows' geometry never changes here (uniform sizes)."""

    repaint_rows = Signal(int, int)  # [first, last]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: AnnotationSession[Any] | None = None
        self._rows = 0  # what the view was told (changed only inside a reset)

    def set_session(self, session: AnnotationSession[Any] | None) -> None:
        old = self.session
        if old is not None:
            old.images.reset.disconnect(self._reset)
            old.images.rows_loaded.disconnect(self._rows_loaded)
            old.images.row_changed.disconnect(self._row_changed)
            old.thumbnails.ready.disconnect(self._thumbnail)
        self.beginResetModel()
        self.session = session
        self._rows = self._count()
        self.endResetModel()
        if session is not None:
            session.images.reset.connect(self._reset)
            session.images.rows_loaded.connect(self._rows_loaded)
            session.images.row_changed.connect(self._row_changed)
            session.thumbnails.ready.connect(self._thumbnail)

    def _reset(self) -> None:
        self.beginResetModel()
        self._rows = self._count()
        self.endResetModel()

    def _count(self) -> int:
        session = self.session
        return max(session.images.total, session.images.loaded) if session is not None else 0

    def _rows_loaded(self, start: int, end: int) -> None:
        if end > self._rows:
            self._reset()
        else:
            self.repaint_rows.emit(start, end - 1)

    def _row_changed(self, row: int) -> None:
        self.repaint_rows.emit(row, row)

    def _thumbnail(self, image_id: str) -> None:
        row = self.session.images.row_of(image_id) if self.session is not None else None
        if row is not None:
            self._row_changed(row)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._rows

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        session = self.session
        if session is None or not index.isValid():
            return None
        row = index.row()
        info = session.images.info(row)
        if info is None:
            session.images.ensure(row)  # lazily: the page loads, then the row repaints
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return info.filename.rsplit("/", 1)[-1]
        if role == Qt.ItemDataRole.ToolTipRole:
            who = f", last saved by {info.updated_by}" if info.updated_by else ""
            return f"{info.filename}\n{info.width} \u00d7 {info.height}, revision {info.revision}{who}"
        if role == IMAGE_ID_ROLE:
            return info.image_id
        if role == STATUS_ROLE:
            return session.status_of(row)
        if role == BOXES_ROLE:
            doc = session.docs.get(info.image_id)
            return len(doc.boxes) if doc is not None else info.box_count
        if role == THUMB_ROLE:
            thumb = session.thumbnails.peek(info.image_id)
            if thumb is None:
                session.thumbnails.request(info.image_id)
            return thumb
        return None


class FilmstripDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(200, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        painter.save()
        selected = bool(state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, QColor("#dbe7fb"))
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), QColor("#2f6fde"))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor("#eef2f8"))
        top = rect.top() + (rect.height() - THUMB.height()) // 2
        thumb_rect = QRect(rect.left() + 10, top, THUMB.width(), THUMB.height())
        painter.fillRect(thumb_rect, QColor("#23262b"))
        thumb = index.data(THUMB_ROLE)
        if isinstance(thumb, DecodedImage) and not thumb.null:
            image = thumb.full
            scale = min(thumb_rect.width() / image.width(), thumb_rect.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF(thumb_rect.center().x() - w / 2 + 0.5, thumb_rect.center().y() - h / 2 + 0.5, w, h)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, image)
        text_left = thumb_rect.right() + 10
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        font = QFont(option.font)  # type: ignore[attr-defined]
        metrics = QFontMetrics(font)
        name_rect = QRect(text_left, rect.top() + 10, rect.right() - text_left - 8, metrics.height())
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        elided = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, name_rect.width())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft, elided)
        status = index.data(STATUS_ROLE)
        if status:
            self._paint_status(painter, font, text_left, name_rect.bottom() + 6, int(status), index.data(BOXES_ROLE))
        painter.restore()

    @staticmethod
    def _paint_status(painter: QPainter, font: QFont, left: int, top: int, status: int, boxes: object) -> None:
        small = QFont(font)
        small.setPixelSize(11)
        small.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetrics(small)
        text = status_name(status)
        pill = QRectF(left, top, metrics.horizontalAdvance(text) + 14, metrics.height() + 4)
        colour = status_colour(status)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        background = QColor(colour)
        background.setAlpha(40)
        painter.setBrush(background)
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setFont(small)
        painter.setPen(colour.darker(135))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        if isinstance(boxes, int):
            painter.setPen(QColor("#6b7280"))
            label = f"{boxes} box" + ("" if boxes == 1 else "es")
            painter.drawText(QRectF(pill.right() + 8, top, 120, pill.height()), Qt.AlignmentFlag.AlignVCenter, label)


class Filmstrip(QListView):
    """Rows of images; a click goes there. Follows the current image without taking keyboard focus."""

    activated_row = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list_model = ImageListModel(self)
        self.setModel(self.list_model)
        self.setItemDelegate(FilmstripDelegate(self))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setObjectName("filmstrip")
        self.clicked.connect(lambda index: self.activated_row.emit(index.row()))
        self.list_model.repaint_rows.connect(self._repaint_rows)

    def _repaint_rows(self, first: int, last: int) -> None:
        """Repaint the rows of [first, last] that are on screen (nothing else changes)."""
        top = self.indexAt(self.viewport().rect().topLeft())
        bottom = self.indexAt(self.viewport().rect().bottomLeft())
        shown_first = top.row() if top.isValid() else 0
        shown_last = bottom.row() if bottom.isValid() else self.list_model.rowCount() - 1
        for row in range(max(first, shown_first), min(last, shown_last) + 1):
            self.update(self.list_model.index(row))

    def set_session(self, session: AnnotationSession[Any] | None) -> None:
        self.list_model.set_session(session)

    def show_row(self, row: int | None) -> None:
        if row is None or row >= self.list_model.rowCount():
            self.clearSelection()
            return
        index = self.list_model.index(row)
        if self.currentIndex() != index:
            self.setCurrentIndex(index)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
