"""Preview images: a label that keeps its pixmap fitted, and YOLO boxes drawn onto a scene."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop.models.yolo import parse_yolo_labels
from desktop.qt.theme import MUTED

BOX_COLOURS = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#bfef45",
    "#469990",
)


def pixmap_from_png(data: bytes) -> QPixmap:
    pixmap = QPixmap()
    if not pixmap.loadFromData(data, "PNG"):
        raise ValueError("the backend sent an image that is not a PNG")
    return pixmap


def draw_yolo_boxes(image: QPixmap, labels_txt: str, class_names: list[str]) -> QPixmap:
    """A copy of ``image`` with each labelled box outlined and named."""
    result = QPixmap(image)
    painter = QPainter(result)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPixelSize(max(10, image.height() // 45))
    painter.setFont(font)
    line = max(2.0, image.width() / 320)
    for box in parse_yolo_labels(labels_txt):
        colour = QColor(BOX_COLOURS[box.class_id % len(BOX_COLOURS)])
        rect = QRectF(*box.pixel_rect(image.width(), image.height()))
        painter.setPen(QPen(colour, line))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
        name = class_names[box.class_id] if 0 <= box.class_id < len(class_names) else str(box.class_id)
        metrics = painter.fontMetrics()
        tag = QRectF(
            rect.left(),
            max(0.0, rect.top() - metrics.height()),
            metrics.horizontalAdvance(name) + 6,
            metrics.height(),
        )
        painter.fillRect(tag, colour)
        painter.setPen(QColor("white"))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, name)
    painter.end()
    return result


class FittedImage(QLabel):
    """Shows a pixmap scaled to fit (never upscaled beyond 2x), or a grey message."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setStyleSheet(f"background: #eceef1; color: {MUTED}; border-radius: 4px;")
        self.setWordWrap(True)
        self.show_message(placeholder)

    def show_message(self, text: str) -> None:
        self._pixmap = None
        self.clear()
        self.setText(text)

    def show_pixmap(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self.setText("")
        self._rescale()

    def pixmap_size(self) -> QSize:
        """The size of the image shown (before fitting), or an empty size."""
        return self._pixmap.size() if self._pixmap is not None else QSize()

    @property
    def has_image(self) -> bool:
        return self._pixmap is not None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()

    def sizeHint(self) -> QSize:
        return QSize(320, 320)

    def _rescale(self) -> None:
        if self._pixmap is None:
            return
        bound = self.contentsRect().size()
        limit = self._pixmap.size() * 2
        target = bound.boundedTo(limit)
        mode = (
            Qt.TransformationMode.FastTransformation
            if target.width() >= self._pixmap.width() * 2 - 1
            else Qt.TransformationMode.SmoothTransformation
        )
        self.setPixmap(self._pixmap.scaled(target, Qt.AspectRatioMode.KeepAspectRatio, mode))


def captioned(widget: QWidget, caption: str) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    label = QLabel(caption)
    label.setStyleSheet("font-weight: 600;")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box
