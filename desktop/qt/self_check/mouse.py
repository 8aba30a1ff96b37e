"""A mouse drag as the user makes it: press, a few moves, release, delivered to a widget's event handlers.

Sent through ``QApplication.sendEvent`` rather than QtTest, which the bundle leaves out.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

LEFT = Qt.MouseButton.LeftButton
NO_BUTTON = Qt.MouseButton.NoButton
NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def _send(widget: QWidget, kind: QEvent.Type, at: QPointF, button: Qt.MouseButton, buttons: Qt.MouseButton) -> None:
    event = QMouseEvent(kind, at, widget.mapToGlobal(at), button, buttons, NO_MODIFIER)
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, start: QPointF, end: QPointF, steps: int = 8) -> None:
    """Press the left button at ``start``, move to ``end`` in ``steps``, release there (widget coordinates)."""
    _send(widget, QEvent.Type.MouseButtonPress, start, LEFT, LEFT)
    for step in range(1, steps + 1):
        _send(widget, QEvent.Type.MouseMove, start + (end - start) * (step / steps), NO_BUTTON, LEFT)
    _send(widget, QEvent.Type.MouseButtonRelease, end, LEFT, NO_BUTTON)
