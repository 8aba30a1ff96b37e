"""The strip above the canvas when an edit was refused: what happened and the two ways out. Nothing is
overwritten until the user picks one; until then their edit is kept (in the journal too)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.models.annotate.session import AnnotationSession, describe_conflict


class ConflictBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: AnnotationSession[Any] | None = None
        self.setObjectName("conflictBanner")
        self.setStyleSheet(
            "#conflictBanner { background: #fff4d6; border-bottom: 1px solid #f0c36d; }"
            " #conflictBanner QLabel { color: #6b4500; }"
        )
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.apply_button = QPushButton("Apply mine")
        self.apply_button.setProperty("primary", True)
        self.apply_button.setToolTip("Save my version over theirs (undoable)")
        self.keep_button = QPushButton("Keep theirs")
        self.keep_button.setToolTip("Drop my change and keep what the server has")
        for button in (self.apply_button, self.keep_button):
            button.setFocusPolicy(button.focusPolicy().NoFocus)
        self.apply_button.clicked.connect(lambda: self.session.apply_mine() if self.session else None)
        self.keep_button.clicked.connect(lambda: self.session.keep_theirs() if self.session else None)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.apply_button)
        layout.addWidget(self.keep_button)
        self.setVisible(False)

    def set_session(self, session: AnnotationSession[Any] | None) -> None:
        if self.session is not None:
            self.session.conflict_changed.disconnect(self.refresh)
            self.session.current_changed.disconnect(self.refresh)
        self.session = session
        if session is not None:
            session.conflict_changed.connect(self.refresh)
            session.current_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        conflict = self.session.conflict if self.session is not None else None
        self.setVisible(conflict is not None)
        if conflict is None:
            return
        self.text.setText(f"⚠  {describe_conflict(conflict)}")
        self.apply_button.setText("Apply mine" if conflict.is_conflict else "Try again")
        self.keep_button.setText("Keep theirs" if conflict.is_conflict else "Discard mine")
