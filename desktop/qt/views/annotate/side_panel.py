"""The panel right of the canvas: the classes (click, or keys 1 to 9; the selected box takes the class, new
boxes too), the image's status buttons, and the boxes of the image with their classes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.models.annotate.boxes import DONE, REVIEW, TODO
from desktop.models.annotate.session import AnnotationSession
from desktop.models.annotate.shortcuts import ShortcutMap
from desktop.qt.theme import MUTED, SPACING
from desktop.qt.views.annotate.suggest_panel import SuggestBox
from desktop.qt.widgets.class_colours import class_colour, status_colour, swatch

CLASS_ID_ROLE = Qt.ItemDataRole.UserRole + 1
LIST_STYLE = (
    "QListWidget { border: 1px solid #e5e7eb; border-radius: 4px; background: white; outline: 0; }"
    " QListWidget::item { padding: 1px 0; }"
    " QListWidget::item:selected { background: #e3ecfc; color: #111827; }"
    " QListWidget::item:hover:!selected { background: #f3f6fa; }"
)
STATUSES = ((TODO, "To do", "mark_todo"), (DONE, "Done", "mark_done"), (REVIEW, "Review", "mark_review"))


def _first(keys: tuple[str, ...]) -> str:
    return keys[0] if keys else "?"


def heading(text: str) -> QLabel:
    label = QLabel(text.upper())
    font = label.font()
    font.setPixelSize(11)
    font.setWeight(QFont.Weight.DemiBold)
    font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.6)
    label.setFont(font)
    label.setStyleSheet(f"color: {MUTED};")
    return label


class SidePanel(QWidget):
    def __init__(self, shortcuts: ShortcutMap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: AnnotationSession[Any] | None = None
        self.shortcuts = shortcuts
        self._rows: dict[int, _ClassRow] = {}
        self._swatches: dict[int, QPixmap] = {}
        self.setFixedWidth(236)

        self.class_list = QListWidget()
        self.class_list.setObjectName("classList")
        self.class_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.class_list.setStyleSheet(LIST_STYLE)
        self.class_list.itemClicked.connect(self._class_clicked)

        self.status_buttons: dict[int, QPushButton] = {}
        self.status_group = QButtonGroup(self)
        self.status_group.setExclusive(True)
        status_row = QHBoxLayout()
        status_row.setSpacing(4)
        for status, text, _action in STATUSES:
            button = QPushButton(text)
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setProperty("status", status)
            colour = status_colour(status).name()
            button.setStyleSheet(
                f"QPushButton {{ padding: 5px 6px; }} QPushButton:checked {{ background: {colour}; color: white;"
                f" border: 1px solid {colour}; border-radius: 4px; font-weight: 600; }}"
            )
            button.clicked.connect(lambda _checked=False, s=status: self._set_status(s))
            self.status_group.addButton(button)
            self.status_buttons[status] = button
            status_row.addWidget(button)

        self.box_list = QListWidget()
        self.box_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.box_list.setStyleSheet(LIST_STYLE)
        self.box_list.itemClicked.connect(lambda item: self._select_box(self.box_list.row(item)))
        self.box_list.itemDoubleClicked.connect(lambda item: self._accept_box(self.box_list.row(item)))
        self.accept_all = QPushButton("Accept all suggestions")
        self.accept_all.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.accept_all.clicked.connect(lambda: self.session.accept_all_suggestions() if self.session else None)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {MUTED};")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        layout.setSpacing(SPACING)
        layout.addWidget(heading("Classes"))
        layout.addWidget(self.class_list, 3)
        layout.addSpacing(4)
        layout.addWidget(heading("Image status"))
        layout.addLayout(status_row)
        layout.addSpacing(4)
        layout.addWidget(heading("Boxes on this image"))
        layout.addWidget(self.box_list, 2)
        layout.addWidget(self.accept_all)
        layout.addSpacing(4)
        layout.addWidget(heading("Suggestions"))
        self.suggest = SuggestBox(shortcuts)
        layout.addWidget(self.suggest)
        layout.addWidget(self.hint)
        self.refresh()

    # -- the model ------------------------------------------------------------------------------------

    def _events(self, session: AnnotationSession[Any]) -> list[tuple[Any, Any]]:
        return [
            (session.dataset_loaded, self.rebuild),
            (session.draw_class_changed, self._show_draw_class),
            (session.boxes_changed, self._show_boxes),
            (session.selection_changed, self._show_selection),
        ]

    def set_session(self, session: AnnotationSession[Any] | None) -> None:
        if self.session is not None:
            for event, slot in self._events(self.session):
                event.disconnect(slot)
        self.session = session
        if session is not None:
            for event, slot in self._events(session):
                event.connect(slot)
        self.rebuild()

    def refresh(self) -> None:
        """Everything again (the shortcuts changed)."""
        self.suggest.shortcuts = self.shortcuts
        self.suggest.refresh()
        self.rebuild()

    def rebuild(self) -> None:
        """The class rows (once per dataset or class change: they are widgets), then what they show."""
        session = self.session
        self.class_list.clear()
        self._rows = {}
        if session is not None:
            for number, cls in enumerate(session.classes, start=1):
                keys = self.shortcuts.keys(f"class_{number}") if number <= 9 else ()
                item = QListWidgetItem()
                item.setData(CLASS_ID_ROLE, cls.id)
                self.class_list.addItem(item)
                row = _ClassRow(keys[0] if keys else "", class_colour(cls.id), cls.name)
                item.setSizeHint(row.sizeHint())
                self.class_list.setItemWidget(item, row)
                self._rows[cls.id] = row
        self.hint.setText(
            f"Drag to draw · {_first(self.shortcuts.keys('cheat_sheet'))} for every shortcut" if session else ""
        )
        self._show_draw_class()
        self._show_boxes()

    def _show_draw_class(self) -> None:
        session = self.session
        for index in range(self.class_list.count()):
            item = self.class_list.item(index)
            if session is not None and item.data(CLASS_ID_ROLE) == session.draw_class:
                self.class_list.setCurrentItem(item)
                return

    def _show_boxes(self) -> None:
        """Per image: the class counts, the status, the box list."""
        session = self.session
        counts: dict[int, int] = {}
        for box in session.boxes if session is not None else ():
            counts[box.class_id] = counts.get(box.class_id, 0) + 1
        for class_id, row in self._rows.items():
            row.set_count(counts.get(class_id, 0))
        state = session.state if session is not None else None
        for status, button in self.status_buttons.items():
            button.setEnabled(state is not None)
            button.setChecked(state is not None and state.status == status)
        self._fill_boxes(session)

    def _show_selection(self) -> None:
        session = self.session
        selected = session.selected if session is not None else None
        for index in range(self.box_list.count()):
            self.box_list.item(index).setSelected(index == selected)

    def _fill_boxes(self, session: AnnotationSession[Any] | None) -> None:
        self.box_list.clear()
        suggestions = 0
        if session is not None:
            for index, box in enumerate(session.boxes):
                text = session.class_name(box.class_id)
                if box.is_suggestion:
                    suggestions += 1
                    text += f"  ·  suggested {box.confidence:.2f}"
                item = QListWidgetItem(self._swatch(box.class_id), f"{index + 1}. {text}")
                self.box_list.addItem(item)
                if index == session.selected:
                    item.setSelected(True)
        self.accept_all.setVisible(suggestions > 0)
        self.accept_all.setText(f"Accept {suggestions} suggestion{'s' if suggestions != 1 else ''}")

    def _swatch(self, class_id: int) -> QPixmap:
        if class_id not in self._swatches:
            self._swatches[class_id] = swatch(class_colour(class_id))
        return self._swatches[class_id]

    # -- writing back ---------------------------------------------------------------------------------

    def _class_clicked(self, item: QListWidgetItem) -> None:
        if self.session is not None:
            self.session.choose_class(int(item.data(CLASS_ID_ROLE)))

    def _set_status(self, status: int) -> None:
        if self.session is not None:
            self.session.set_status(status)

    def _select_box(self, index: int) -> None:
        if self.session is not None:
            self.session.select(index)

    def _accept_box(self, index: int) -> None:
        """Double-click on a suggestion in the list: accept it."""
        session = self.session
        if session is not None and 0 <= index < len(session.boxes) and session.boxes[index].is_suggestion:
            session.select(index)
            session.accept_suggestion()


class _ClassRow(QWidget):
    """``[1] dent   3``: the key, the colour, the name, and how many boxes of it the image has."""

    def __init__(self, key: str, colour: QColor, name: str) -> None:
        super().__init__()
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 8, 4)
        grid.setHorizontalSpacing(8)
        cap = QLabel(key)
        cap.setFixedWidth(20)
        cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cap.setStyleSheet(
            "border: 1px solid #cbd2db; border-bottom-width: 2px; border-radius: 4px; background: #fbfcfd;"
            " font-size: 11px; font-weight: 600; color: #374151;"
        )
        dot = QLabel()
        dot.setPixmap(swatch(colour))
        label = QLabel(name)
        self.counter = QLabel()
        self.counter.setStyleSheet(f"color: {MUTED};")
        grid.addWidget(cap, 0, 0)
        if not key:
            cap.hide()
        grid.addWidget(dot, 0, 1)
        grid.addWidget(label, 0, 2)
        grid.addWidget(self.counter, 0, 3, Qt.AlignmentFlag.AlignRight)
        grid.setColumnStretch(2, 1)

    def set_count(self, count: int) -> None:
        text = str(count) if count else ""
        if self.counter.text() != text:
            self.counter.setText(text)
