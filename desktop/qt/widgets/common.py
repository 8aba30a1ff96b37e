"""Widget helpers shared by the views: titles, muted and error labels, read-only value labels."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QMessageBox, QSizePolicy, QVBoxLayout, QWidget

from desktop.qt.theme import SPACING


def title(text: str, subtitle: str = "") -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    heading = QLabel(text)
    heading.setObjectName("title")
    layout.addWidget(heading)
    if subtitle:
        sub = QLabel(subtitle)
        sub.setObjectName("subtitle")
        sub.setWordWrap(True)
        layout.addWidget(sub)
    return box


def _wide(label: QLabel) -> QLabel:
    """Wrapped labels take the whole width they are given (a plain QLabel wraps early and, in a form,
    can be cut off at the height of one line)."""
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    return label


def error_label(text: str = "") -> QLabel:
    label = _wide(QLabel(text))
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(bool(text))
    return label


def muted_label(text: str = "") -> QLabel:
    label = _wide(QLabel(text))
    label.setProperty("muted", True)
    label.setWordWrap(True)
    return label


def value_label(text: str = "") -> QLabel:
    """A value in a form: selectable, wrapping."""
    label = _wide(QLabel(text))
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def form_layout() -> QFormLayout:
    form = QFormLayout()
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    form.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    form.setHorizontalSpacing(SPACING * 2)
    form.setVerticalSpacing(SPACING)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    return form


def confirm(parent: QWidget, heading: str, text: str) -> bool:
    """Ask yes/no. Views import it by name, so a test replaces it per view (``monkeypatch`` on the view module)."""
    answer = QMessageBox.question(parent, heading, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes
