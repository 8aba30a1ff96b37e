"""The Annotate view's keyboard map: actions, their default keys, and the user's remapping (persisted as
JSON in the user config dir). Keys are written as Qt's portable key-sequence text (``"Ctrl+Shift+Z"``),
so the Qt layer turns them into ``QKeySequence`` as they are; nothing here imports Qt.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "omni-studio"


@dataclass(frozen=True)
class Action:
    name: str
    title: str
    group: str
    keys: tuple[str, ...]


def _class_actions() -> list[Action]:
    return [
        Action(f"class_{n}", f"Class {n} for the selected box (or for new boxes)", "Boxes", (str(n),))
        for n in range(1, 10)
    ]


ACTIONS: tuple[Action, ...] = (
    Action("next", "Next image", "Navigate", ("D", "Right")),
    Action("previous", "Previous image", "Navigate", ("A", "Left")),
    Action("next_todo", "Next image still to do", "Navigate", ("N",)),
    Action("fit", "Fit the image to the window", "View", ("F",)),
    Action("zoom_in", "Zoom in", "View", ("+", "=")),
    Action("zoom_out", "Zoom out", "View", ("-",)),
    Action("zoom_actual", "Actual pixels (100%)", "View", ("0",)),
    Action("delete", "Delete the selected box", "Boxes", ("Delete", "Backspace")),
    Action("select_next", "Select the next box", "Boxes", ("Tab",)),
    Action("deselect", "Clear the selection / cancel a drag", "Boxes", ("Esc",)),
    *_class_actions(),
    # the flags Pascal VOC and CVAT keep with a box (Q toggles "occluded" in CVAT too)
    Action("toggle_difficult", "Mark the selected box difficult, or not", "Boxes", ("Shift+D",)),
    Action("toggle_truncated", "Mark the selected box truncated (cut by the edge), or not", "Boxes", ("Shift+T",)),
    Action("toggle_occluded", "Mark the selected box occluded, or not", "Boxes", ("Q",)),
    Action(
        "accept_suggestion", "Accept the selected (or most confident) suggestion", "Suggestions", ("Return", "Enter")
    ),
    Action("accept_all", "Accept every suggestion on the image", "Suggestions", ("Shift+Return",)),
    Action("suggest", "Suggest boxes: run the detector on this image", "Suggestions", ("S",)),
    Action("accept_above", "Accept the suggestions at or above the threshold", "Suggestions", ("Ctrl+Return",)),
    Action("reject_all", "Reject every open suggestion on the image", "Suggestions", ("Shift+Delete",)),
    Action("undo", "Undo", "Edit", ("Ctrl+Z",)),
    Action("redo", "Redo", "Edit", ("Ctrl+Shift+Z", "Ctrl+Y")),
    Action("mark_done", "Mark the image done", "Status", ("Ctrl+D",)),
    Action("mark_review", "Mark the image for review", "Status", ("Ctrl+R",)),
    Action("mark_todo", "Mark the image to do", "Status", ("Ctrl+T",)),
    Action("cheat_sheet", "Show this cheat sheet", "Help", ("?", "F1")),
)
ACTIONS_BY_NAME = {action.name: action for action in ACTIONS}

# Not remappable (mouse gestures), listed in the cheat sheet.
GESTURES: tuple[tuple[str, str], ...] = (
    ("Drag on the image", "Draw a box (in the current class)"),
    ("Shift + drag", "Draw, even over other boxes"),
    ("Click a box", "Select it"),
    ("Drag the selected box", "Move it"),
    ("Drag an edge or corner", "Resize the box"),
    ("Wheel", "Zoom to the cursor"),
    ("Space + drag, middle drag", "Pan"),
)


def config_dir() -> Path:
    return Path(os.environ.get("OMNI_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME, appauthor=False))


def shortcuts_path() -> Path:
    return config_dir() / "shortcuts.json"


class ShortcutMap:
    """Action name -> keys. ``conflicts()`` names keys bound to more than one action."""

    def __init__(self, overrides: dict[str, tuple[str, ...]] | None = None, path: Path | None = None) -> None:
        self.path = path
        self._overrides: dict[str, tuple[str, ...]] = {}
        for name, keys in (overrides or {}).items():
            if name in ACTIONS_BY_NAME:
                self._overrides[name] = tuple(keys)

    def keys(self, name: str) -> tuple[str, ...]:
        if name in self._overrides:
            return self._overrides[name]
        return ACTIONS_BY_NAME[name].keys

    def set_keys(self, name: str, keys: tuple[str, ...]) -> None:
        if name not in ACTIONS_BY_NAME:
            raise KeyError(name)
        cleaned = tuple(dict.fromkeys(k.strip() for k in keys if k.strip()))
        if cleaned == ACTIONS_BY_NAME[name].keys:
            self._overrides.pop(name, None)
        else:
            self._overrides[name] = cleaned

    def reset(self) -> None:
        self._overrides.clear()

    def as_dict(self) -> dict[str, tuple[str, ...]]:
        return {action.name: self.keys(action.name) for action in ACTIONS}

    def conflicts(self) -> dict[str, list[str]]:
        """Key -> actions, for keys bound more than once (case-insensitive)."""
        seen: dict[str, list[str]] = {}
        for action in ACTIONS:
            for key in self.keys(action.name):
                seen.setdefault(key.lower(), []).append(action.name)
        return {key: names for key, names in seen.items() if len(names) > 1}

    def key_text(self, name: str) -> str:
        return " / ".join(self.keys(name)) or "—"

    # -- persistence ----------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> ShortcutMap:
        path = path or shortcuts_path()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path=path)
        raw = data.get("shortcuts", {}) if isinstance(data, dict) else {}
        overrides = {str(name): tuple(str(k) for k in keys) for name, keys in raw.items() if isinstance(keys, list)}
        return cls(overrides, path=path)

    def save(self, path: Path | None = None) -> Path:
        path = path or self.path or shortcuts_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        data = {"version": 1, "shortcuts": {name: list(keys) for name, keys in self._overrides.items()}}
        temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(temp, path)
        self.path = path
        return path
