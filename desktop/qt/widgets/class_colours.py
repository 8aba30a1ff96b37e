"""One colour per class id (and per image status), the same everywhere: canvas, class list, statistics."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPixmap

# Distinct on dark and light backgrounds; the order puts the default classes far apart.
CLASS_COLOURS = (
    "#ff5c5c",  # dent
    "#ffb224",  # dirt
    "#3fbf6f",  # rust
    "#4aa8ff",  # scratch
    "#c17cff",  # spoiled
    "#2ed3c6",  # mold
    "#ff7ac6",
    "#c3e64a",
    "#ff8a3d",
    "#8fa1ff",
)
STATUS_COLOURS = {1: "#9ca3af", 2: "#22c55e", 3: "#f59e0b"}  # todo, done, review
CANVAS_BACKGROUND = "#1b1d21"


def class_colour(class_id: int) -> QColor:
    return QColor(CLASS_COLOURS[class_id % len(CLASS_COLOURS)])


def status_colour(status: int) -> QColor:
    return QColor(STATUS_COLOURS.get(status, STATUS_COLOURS[1]))


def swatch(colour: QColor, size: int = 12) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(0, 0, size, size, 3, 3)
    painter.end()
    return pixmap
