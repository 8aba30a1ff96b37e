"""The side panel's "Suggestions" section: Suggest (runs the detector on the backend), the threshold, accept
at or above it, reject all, and what the last answer said. A thin skin over ``Suggester``."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout, QLabel, QPushButton, QWidget

from desktop.models.annotate.shortcuts import ShortcutMap
from desktop.models.annotate.suggestions import Suggester, suggestion_count
from desktop.qt.theme import ERROR, MUTED


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class SuggestBox(QWidget):
    def __init__(self, shortcuts: ShortcutMap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shortcuts = shortcuts
        self.suggester: Suggester | None = None

        self.suggest_button = _button("Suggest")
        self.suggest_button.setProperty("primary", True)
        self.suggest_button.clicked.connect(lambda: self.suggester.suggest() if self.suggester else None)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setPrefix("≥ ")
        self.threshold.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.threshold.setToolTip("Accept the suggestions at least this confident")
        self.threshold.valueChanged.connect(self._threshold_changed)
        self.accept_button = _button("Accept ≥")
        self.accept_button.clicked.connect(lambda: self.suggester.accept_above_threshold() if self.suggester else 0)
        self.reject_button = _button("Reject all")
        self.reject_button.clicked.connect(lambda: self.suggester.reject_all() if self.suggester else 0)
        self.prelabel_button = _button("Pre-label to-do images…")
        self.prelabel_button.setToolTip(
            "Run the current detector on every to-do image of this dataset (a job): its boxes are saved as "
            "suggestions and those images become Review"
        )
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet(f"color: {MUTED};")

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        grid.addWidget(self.suggest_button, 0, 0, 1, 2)
        grid.addWidget(self.accept_button, 1, 0)
        grid.addWidget(self.threshold, 1, 1)
        grid.addWidget(self.reject_button, 2, 0, 1, 2)
        grid.addWidget(self.prelabel_button, 3, 0, 1, 2)
        grid.addWidget(self.status, 4, 0, 1, 2)
        self.refresh()

    def set_suggester(self, suggester: Suggester | None) -> None:
        if self.suggester is not None:
            self.suggester.changed.disconnect(self.refresh)
            self.suggester.session.boxes_changed.disconnect(self.refresh)
        self.suggester = suggester
        if suggester is not None:
            suggester.changed.connect(self.refresh)
            suggester.session.boxes_changed.connect(self.refresh)
        self.refresh()

    def _threshold_changed(self, value: float) -> None:
        if self.suggester is not None:
            self.suggester.set_threshold(round(value, 4))

    def refresh(self) -> None:
        suggester = self.suggester
        keys = self.shortcuts
        self.suggest_button.setToolTip(f"Run the detector on this image ({keys.key_text('suggest')})")
        self.accept_button.setToolTip(
            f"Accept the suggestions at or above the threshold ({keys.key_text('accept_above')})"
        )
        self.reject_button.setToolTip(f"Remove every open suggestion ({keys.key_text('reject_all')})")
        open_count = suggestion_count(suggester.session.state) if suggester is not None else 0
        editable = suggester is not None and suggester.session.editable
        self.suggest_button.setEnabled(editable and not (suggester and suggester.busy))
        self.suggest_button.setText("Suggesting…" if suggester is not None and suggester.busy else "Suggest")
        self.accept_button.setEnabled(open_count > 0)
        self.reject_button.setEnabled(open_count > 0)
        self.threshold.setEnabled(suggester is not None)
        self.prelabel_button.setVisible(suggester is not None)
        if suggester is not None and abs(self.threshold.value() - suggester.threshold) > 1e-6:
            self.threshold.blockSignals(True)
            self.threshold.setValue(suggester.threshold)
            self.threshold.blockSignals(False)
        if suggester is None:
            text, colour = "", MUTED
        elif suggester.error:
            text, colour = suggester.error, ERROR
        elif suggester.last is not None and suggester.last.image_id == suggester.session.image_id:
            text, colour = suggester.last.text(), MUTED
        else:
            text, colour = f"{keys.key_text('suggest')}: boxes from the current detector", MUTED
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour};")
