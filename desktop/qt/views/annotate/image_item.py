"""The image on the canvas: a ``QImage`` painted directly (no pixmap conversion when switching images),
using the downscaled preview whenever the view shows the image no larger than the preview, and cached
in device coordinates so that moving a box repaints from the cache instead of rescaling the image."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from desktop.qt.views.annotate.bridge import DecodedImage


class ImageItem(QGraphicsItem):
    def __init__(self) -> None:
        super().__init__()
        self.image: DecodedImage | None = None
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(-1)

    def set_image(self, image: DecodedImage | None) -> None:
        self.prepareGeometryChange()
        self.image = image
        self.update()

    def boundingRect(self) -> QRectF:
        if self.image is None:
            return QRectF()
        return QRectF(0, 0, self.image.width, self.image.height)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        image = self.image
        if image is None:
            return
        target = self.boundingRect()
        shown_width = painter.worldTransform().mapRect(target).width()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, shown_width < image.width)
        if image.preview is not None and shown_width <= image.preview.width():
            painter.drawImage(target, image.preview)
        else:
            painter.drawImage(target, image.full)
