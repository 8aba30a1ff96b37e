"""The cheat sheet (every shortcut, grouped, as key caps) and the dialog that remaps them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.models.annotate.shortcuts import ACTIONS, GESTURES, ShortcutMap
from desktop.qt.theme import ERROR, MUTED, SPACING

KEYCAP = (
    "border: 1px solid #c9d0da; border-bottom-width: 3px; border-radius: 5px; background: #fbfcfd;"
    " padding: 1px 7px; font-size: 12px; font-weight: 600; color: #1f2937;"
)


def keycaps(keys: tuple[str, ...] | list[str]) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    for position, key in enumerate(keys):
        if position:
            sep = QLabel("or")
            sep.setStyleSheet(f"color: {MUTED}; font-size: 11px;")
            row.addWidget(sep)
        for part_index, part in enumerate(_parts(key)):
            if part_index:
                plus = QLabel("+")
                plus.setStyleSheet(f"color: {MUTED};")
                row.addWidget(plus)
            cap = QLabel(part)
            cap.setStyleSheet(KEYCAP)
            row.addWidget(cap)
    box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return box


def _parts(key: str) -> list[str]:
    if key in ("+", "-"):
        return [key]
    parts = key.split("+")
    return [p if p else "+" for p in parts]


class CheatSheet(QDialog):
    def __init__(self, shortcuts: ShortcutMap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("cheatSheet")
        groups: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        class_keys = [shortcuts.keys(f"class_{n}")[0] for n in range(1, 10) if shortcuts.keys(f"class_{n}")]
        for action in ACTIONS:
            if action.name.startswith("class_"):
                continue
            groups.setdefault(action.group, []).append((shortcuts.keys(action.name), action.title))
        groups.setdefault("Boxes", []).insert(
            0, ((f"{class_keys[0]} … {class_keys[-1]}",) if class_keys else (), "Class of the selected box / new boxes")
        )
        groups["Mouse"] = [((gesture,), text) for gesture, text in GESTURES]

        columns = QHBoxLayout()
        columns.setSpacing(SPACING * 5)
        for side in (("Navigate", "Edit", "Suggestions", "Mouse"), ("Boxes", "Status", "View", "Help")):
            columns.addLayout(self._column([(name, groups.get(name, [])) for name in side]), 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        title = QLabel("Keyboard shortcuts")
        title.setObjectName("title")
        layout.addWidget(title)
        sub = QLabel("Remap them in Shortcuts… (top right of the Annotate view).")
        sub.setObjectName("subtitle")
        layout.addWidget(sub)
        layout.addSpacing(SPACING)
        layout.addLayout(columns)
        layout.addStretch(1)
        layout.addWidget(buttons)

    @staticmethod
    def _column(groups: list[tuple[str, list[tuple[tuple[str, ...], str]]]]) -> QGridLayout:
        """One grid per column, so that keys and descriptions line up across its groups."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(SPACING * 2)
        grid.setVerticalSpacing(6)
        row = 0
        for name, entries in groups:
            if not entries:
                continue
            header = QLabel(name)
            header.setStyleSheet("font-weight: 700; font-size: 12pt;")
            if row:
                grid.setRowMinimumHeight(row, SPACING * 2)
                row += 1
            grid.addWidget(header, row, 0, 1, 2)
            row += 1
            for keys, text in entries:
                if name == "Mouse":
                    key = QLabel(keys[0])
                    key.setStyleSheet("font-weight: 600;")
                    grid.addWidget(key, row, 0)
                else:
                    grid.addWidget(keycaps(keys), row, 0)
                label = QLabel(text)
                label.setStyleSheet("color: #374151;")
                grid.addWidget(label, row, 1)
                row += 1
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(row, 1)
        return grid


class ShortcutsDialog(QDialog):
    """Two key fields per action; conflicts are named; Save writes the user's config file."""

    def __init__(self, shortcuts: ShortcutMap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shortcuts")
        self.resize(640, 620)
        self.shortcuts = ShortcutMap(dict(shortcuts.as_dict()), path=shortcuts.path)
        self.table = QTableWidget(len(ACTIONS), 3)
        self.table.setHorizontalHeaderLabels(["Action", "Key", "Alternative"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.editors: dict[str, tuple[QKeySequenceEdit, QKeySequenceEdit]] = {}
        for row, action in enumerate(ACTIONS):
            item = QTableWidgetItem(action.title)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, 0, item)
            keys = self.shortcuts.keys(action.name)
            pair = (QKeySequenceEdit(), QKeySequenceEdit())
            for column, edit in enumerate(pair):
                if column < len(keys):
                    edit.setKeySequence(QKeySequence(keys[column]))
                edit.setMaximumSequenceLength(1)
                edit.setClearButtonEnabled(True)
                edit.keySequenceChanged.connect(self._changed)
                self.table.setCellWidget(row, column + 1, edit)
            self.editors[action.name] = pair
        self.table.setColumnWidth(1, 140)
        self.table.setColumnWidth(2, 140)
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color: {ERROR};")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        restore = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(self._restore)
        layout = QVBoxLayout(self)
        heading = QLabel("Shortcuts")
        heading.setObjectName("title")
        layout.addWidget(heading)
        note = QLabel("Click a key field and press the new key. Saved in your settings, for every dataset.")
        note.setObjectName("subtitle")
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def _read(self) -> None:
        for name, pair in self.editors.items():
            keys = tuple(
                edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
                for edit in pair
                if not edit.keySequence().isEmpty()
            )
            self.shortcuts.set_keys(name, keys)

    def _changed(self) -> None:
        self._read()
        conflicts = self.shortcuts.conflicts()
        titles = {a.name: a.title for a in ACTIONS}
        self.problem.setText(
            "\n".join(
                f"“{key}” is bound to: " + ", ".join(titles[n] for n in names) for key, names in conflicts.items()
            )
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not conflicts)

    def _restore(self) -> None:
        for action in ACTIONS:
            pair = self.editors[action.name]
            for column, edit in enumerate(pair):
                edit.setKeySequence(QKeySequence(action.keys[column]) if column < len(action.keys) else QKeySequence())
        self._changed()

    def _save(self) -> None:
        self._read()
        self.shortcuts.save()
        self.accept()
