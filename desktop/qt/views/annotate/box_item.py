"""One box on the canvas. Geometry is in image pixels (scene coordinates); the outline, handles and label
are drawn at a constant size on screen whatever the zoom. Moving or resizing changes only this item, so
Qt repaints only the area it covered and covers (no re-render of the image)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from desktop.models.annotate.geometry import Rect

HANDLE_PX = 8.0  # handle squares, on screen
GRIP_PX = 7.0  # how near (on screen) a press must be to grab an edge or corner
LABEL_PX = 18.0  # label height, on screen
OUTLINE_PX = 2.0


def label_font() -> QFont:
    font = QFont()
    font.setPixelSize(12)
    font.setWeight(QFont.Weight.DemiBold)
    return font


class BoxItem(QGraphicsItem):
    def __init__(self, rect: Rect, colour: QColor, label: str, *, suggestion: bool = False) -> None:
        super().__init__()
        self._rect = QRectF()
        self.colour = QColor(colour)
        self.label = label
        self.suggestion = suggestion
        self.selected = False
        self.scale_hint = 1.0  # view scale (screen px per image px): sizes the margins of boundingRect
        self._font = label_font()
        self._label_width = QFontMetricsF(self._font).horizontalAdvance(label) + 10
        self.set_rect(rect)
        self.setZValue(2 if suggestion else 1)

    # -- state ----------------------------------------------------------------------------------------

    @property
    def rect(self) -> Rect:
        return self._rect.left(), self._rect.top(), self._rect.right(), self._rect.bottom()

    def set_rect(self, rect: Rect) -> None:
        left, top, right, bottom = rect
        new = QRectF(QPointF(left, top), QPointF(right, bottom)).normalized()
        if new != self._rect:
            self.prepareGeometryChange()
            self._rect = new

    def set_look(self, colour: QColor, label: str, suggestion: bool, selected: bool) -> None:
        if (colour, label, suggestion, selected) == (self.colour, self.label, self.suggestion, self.selected):
            return
        self.colour, self.suggestion, self.selected = QColor(colour), suggestion, selected
        if label != self.label:
            self.prepareGeometryChange()
            self.label = label
            self._label_width = QFontMetricsF(self._font).horizontalAdvance(label) + 10
        self.setZValue(3 if selected else 2 if suggestion else 1)
        self.update()

    def set_scale_hint(self, scale: float) -> None:
        if scale > 0 and abs(scale - self.scale_hint) > 1e-9:
            self.prepareGeometryChange()
            self.scale_hint = scale

    # -- drawing --------------------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        pad = (HANDLE_PX + OUTLINE_PX) / self.scale_hint
        label_h = (LABEL_PX + 2) / self.scale_hint
        label_w = self._label_width / self.scale_hint
        return self._rect.adjusted(-pad, -pad - label_h, max(pad, label_w - self._rect.width()), pad + label_h)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        device = painter.worldTransform().mapRect(self._rect)
        painter.save()
        painter.resetTransform()
        fill = QColor(self.colour)
        fill.setAlpha(56 if self.selected else 0 if self.suggestion else 22)
        pen = QPen(self.colour, OUTLINE_PX + (0.5 if self.selected else 0))
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        if self.suggestion:
            pen.setStyle(Qt.PenStyle.CustomDashLine)
            pen.setDashPattern([4, 3])
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        painter.drawRect(device)
        self._paint_label(painter, device)
        if self.selected:
            self._paint_handles(painter, device)
        painter.restore()

    def _paint_label(self, painter: QPainter, device: QRectF) -> None:
        above = device.top() - LABEL_PX >= 0
        top = device.top() - LABEL_PX if above else device.top()
        tag = QRectF(device.left() - (OUTLINE_PX / 2), top, self._label_width, LABEL_PX)
        background = QColor(self.colour)
        if self.suggestion:
            background = QColor(20, 22, 26, 210)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        if above:
            painter.drawRect(tag)
        else:
            painter.drawRoundedRect(tag, 3, 3)
        painter.setFont(self._font)
        painter.setPen(QColor(self.colour) if self.suggestion else _text_on(self.colour))
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(tag.adjusted(5, 0, -2, 0), align, self.label)

    def _paint_handles(self, painter: QPainter, device: QRectF) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pen = QPen(self.colour, 1.5)
        painter.setPen(pen)
        painter.setBrush(QColor("white"))
        half = HANDLE_PX / 2
        xs = (device.left(), device.center().x(), device.right())
        ys = (device.top(), device.center().y(), device.bottom())
        for i, x in enumerate(xs):
            for j, y in enumerate(ys):
                if i == 1 and j == 1:
                    continue
                painter.drawRect(QRectF(x - half, y - half, HANDLE_PX, HANDLE_PX))


def _text_on(colour: QColor) -> QColor:
    """Black or white, whichever reads better on ``colour``."""
    luminance = 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()
    return QColor("#111111") if luminance > 150 else QColor("white")
