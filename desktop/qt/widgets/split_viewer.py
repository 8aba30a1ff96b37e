"""A before/after viewer: both images in one QGraphicsScene, the "after" one shown right of a vertical split
line the user drags; the wheel zooms to the cursor and dragging elsewhere pans. Both images live in the
same scene under the same view transform, so zoom and pan always apply to both alike."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 64.0
GRAB_PX = 8  # how close to the split line (in screen px) a press grabs it
LINE_COLOUR = QColor("#fbbf24")


def load_image(path: Path) -> QImage:
    """Read an image (Qt's readers, then Pillow for formats this Qt build lacks); a null QImage on failure.
    Safe off the UI thread."""
    image = QImage(str(path))
    if not image.isNull():
        return image
    try:
        from PIL import Image

        with Image.open(path) as opened:
            rgba = opened.convert("RGBA")
            data = rgba.tobytes()
            return QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888).copy()
    except (OSError, ValueError):
        return QImage()


class _ClippedPixmap(QGraphicsPixmapItem):
    """The "after" image, drawn only right of ``split`` (a fraction of its width)."""

    def __init__(self) -> None:
        super().__init__()
        self.split = 0.5

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        rect = self.boundingRect()
        left = rect.left() + rect.width() * self.split
        painter.save()
        painter.setClipRect(QRectF(left, rect.top(), rect.right() - left, rect.height()))
        super().paint(painter, option, widget)  # type: ignore[arg-type]
        painter.restore()


class SplitViewer(QGraphicsView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.before = QGraphicsPixmapItem()
        self.after = _ClippedPixmap()
        for item in (self.before, self.after):
            item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            self.scene().addItem(item)
        self.after.setZValue(1)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setBackgroundBrush(QColor("#2b2f36"))
        self.setMinimumSize(240, 180)
        self._dragging = False
        self.labels = ("Before", "After")

    # -- content --------------------------------------------------------------------------------------

    @property
    def split(self) -> float:
        return self.after.split

    def set_split(self, fraction: float) -> None:
        self.after.split = min(1.0, max(0.0, fraction))
        self.after.update()
        self.viewport().update()

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    @property
    def has_images(self) -> bool:
        return not self.before.pixmap().isNull() and not self.after.pixmap().isNull()

    def set_images(self, before: QImage, after: QImage, labels: tuple[str, str] = ("Before", "After")) -> None:
        """Show a pair; an "after" of another size is scaled onto the "before" so they line up."""
        self.labels = labels
        self.before.setPixmap(QPixmap.fromImage(before))
        after_pixmap = QPixmap.fromImage(after)
        self.after.setPixmap(after_pixmap)
        self.after.resetTransform()
        if not before.isNull() and not after.isNull() and after.size() != before.size():
            self.after.setTransform(
                self.after.transform().scale(before.width() / after.width(), before.height() / after.height())
            )
        self.scene().setSceneRect(self.before.boundingRect() if not before.isNull() else self.after.boundingRect())
        self.fit()

    def clear(self) -> None:
        self.before.setPixmap(QPixmap())
        self.after.setPixmap(QPixmap())
        self.viewport().update()

    def fit(self) -> None:
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the scene point under ``at`` (viewport px) where it is."""
        target = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom * factor))
        factor = target / self.zoom if self.zoom else 1.0
        if at is None:
            at = QPointF(self.viewport().rect().center())
        anchor = self.mapToScene(at.toPoint())
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.scale(factor, factor)
        moved = self.mapFromScene(anchor)
        delta = QPointF(moved) - at
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + round(delta.x()))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + round(delta.y()))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)

    # -- the split line -------------------------------------------------------------------------------

    def _line_x(self) -> float:
        """The split line's x in viewport px."""
        rect = self.before.sceneBoundingRect() if not self.before.pixmap().isNull() else self.scene().sceneRect()
        x = rect.left() + rect.width() * self.split
        return float(self.mapFromScene(QPointF(x, rect.top())).x())

    def _split_at(self, viewport_x: float) -> float:
        rect = self.scene().sceneRect()
        if rect.width() <= 0:
            return self.split
        scene_x = self.mapToScene(round(viewport_x), 0).x()
        return (scene_x - rect.left()) / rect.width()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if (
            event.button() == Qt.MouseButton.LeftButton
            and self.has_images
            and abs(event.position().x() - self._line_x()) <= GRAB_PX
        ):
            self._dragging = True
            self.viewport().setCursor(Qt.CursorShape.SplitHCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self.set_split(self._split_at(event.position().x()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._dragging = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP**steps, event.position())
        event.accept()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        super().drawForeground(painter, rect)
        if not self.has_images:
            return
        image = self.before.sceneBoundingRect()
        x = image.left() + image.width() * self.split
        painter.save()
        pen = QPen(LINE_COLOUR, 2)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, image.top()), QPointF(x, image.bottom()))
        # the labels and the handle in screen px, whatever the zoom
        painter.resetTransform()
        line = self.mapFromScene(QPointF(x, image.center().y()))
        painter.setBrush(LINE_COLOUR)
        painter.drawEllipse(QPointF(line), 6, 6)
        painter.setPen(QColor("white"))
        painter.fillRect(QRectF(8, 8, 64, 20), QColor(0, 0, 0, 140))
        painter.drawText(QRectF(8, 8, 64, 20), Qt.AlignmentFlag.AlignCenter, self.labels[0])
        right = self.viewport().width() - 72
        painter.fillRect(QRectF(right, 8, 64, 20), QColor(0, 0, 0, 140))
        painter.drawText(QRectF(right, 8, 64, 20), Qt.AlignmentFlag.AlignCenter, self.labels[1])
        painter.restore()
