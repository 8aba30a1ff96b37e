"""The look: Fusion style, a light palette, one stylesheet, state colours and the monospace font."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from protos.omni.v1 import jobs_pb2

ACCENT = "#2f6fde"
ERROR = "#c62828"
MUTED = "#6b7280"
SPACING = 8  # the one spacing unit; layouts use multiples of it

STATE_COLOURS: dict[int, str] = {
    jobs_pb2.JOB_STATE_QUEUED: "#6b7280",
    jobs_pb2.JOB_STATE_RUNNING: "#1d4ed8",
    jobs_pb2.JOB_STATE_SUCCEEDED: "#15803d",
    jobs_pb2.JOB_STATE_FAILED: "#c62828",
    jobs_pb2.JOB_STATE_CANCELLED: "#b45309",
    jobs_pb2.JOB_STATE_INTERRUPTED: "#7c3aed",
}

STYLESHEET = f"""
QListWidget#nav {{
    background: #1f2937;
    color: #e5e7eb;
    border: none;
    padding-top: {SPACING}px;
    font-size: 11pt;
    outline: 0;
}}
QListWidget#nav::item {{
    padding: {SPACING}px {SPACING * 2}px;
    border-left: 3px solid transparent;
}}
QListWidget#nav::item:selected {{
    background: #374151;
    color: white;
    border-left: 3px solid {ACCENT};
}}
QListWidget#nav::item:hover:!selected {{
    background: #2b3544;
}}
QLabel#title {{
    font-size: 15pt;
    font-weight: 600;
}}
QLabel#subtitle, QLabel[muted="true"] {{
    color: {MUTED};
}}
QLabel[role="error"] {{
    color: {ERROR};
}}
QLabel#status {{
    font-weight: 600;
}}
QGroupBox {{
    font-weight: 600;
    border: 1px solid #d1d5db;
    border-radius: 6px;
    margin-top: 14px;
    padding: {SPACING * 2}px {SPACING}px {SPACING}px {SPACING}px;
}}
QGroupBox::title {{
    subcontrol-origin: margin;
    left: {SPACING}px;
    padding: 0 4px;
}}
QLineEdit[invalid="true"], QSpinBox[invalid="true"], QDoubleSpinBox[invalid="true"] {{
    border: 1px solid {ERROR};
}}
QPushButton {{
    padding: 5px 14px;
}}
QPushButton[primary="true"] {{
    background: {ACCENT};
    color: white;
    border: 1px solid #2559b8;
    border-radius: 4px;
}}
QPushButton[primary="true"]:disabled {{
    background: #9db7e8;
    border-color: #9db7e8;
}}
QTableView {{
    gridline-color: #e5e7eb;
    selection-background-color: #dbe7fb;
    selection-color: black;
}}
QHeaderView::section {{
    padding: 4px 6px;
    font-weight: 600;
}}
"""


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f5f6f8"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f8fafc"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)


def monospace_font(point_size: int | None = None) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if point_size is not None:
        font.setPointSize(point_size)
    return font


def state_colour(state: int) -> QColor:
    return QColor(STATE_COLOURS.get(state, MUTED))


def set_invalid(widget: object, invalid: bool) -> None:
    """Mark a field red (via the stylesheet's ``invalid`` property) and re-polish it."""
    if isinstance(widget, QWidget) and widget.property("invalid") != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)
