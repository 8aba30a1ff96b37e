"""Edits as commands, and one undo/redo stack for the whole session (across images).

A command holds the image's state before and after; undoing re-applies ``before`` as a new edit (which is
journaled and saved like any other), so undo and redo can never bypass the save path.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from desktop.models.annotate.boxes import ImageState

UNDO_LIMIT = 1000


class EditKind(enum.Enum):
    DRAW = "draw"
    MOVE = "move"
    RESIZE = "resize"
    DELETE = "delete"
    CHANGE_CLASS = "change class"
    SET_FLAG = "set flag"
    SET_STATUS = "set status"
    SUGGEST = "suggest"
    ACCEPT_SUGGESTION = "accept suggestion"
    REJECT_SUGGESTION = "reject suggestions"
    APPLY_MINE = "apply my change"
    UNDO = "undo"
    REDO = "redo"


@dataclass(frozen=True)
class Command:
    image_id: str
    kind: EditKind
    before: ImageState
    after: ImageState

    @property
    def label(self) -> str:
        return self.kind.value


class UndoStack:
    """Done commands and undone ones; a new command clears the redo side."""

    def __init__(self, limit: int = UNDO_LIMIT) -> None:
        self.limit = limit
        self._done: list[Command] = []
        self._undone: list[Command] = []

    def push(self, command: Command) -> None:
        self._done.append(command)
        del self._done[: max(0, len(self._done) - self.limit)]
        self._undone.clear()

    def take_undo(self) -> Command | None:
        """The command to undo (moved to the redo side), or None."""
        if not self._done:
            return None
        command = self._done.pop()
        self._undone.append(command)
        return command

    def take_redo(self) -> Command | None:
        if not self._undone:
            return None
        command = self._undone.pop()
        self._done.append(command)
        return command

    def forget_image(self, image_id: str) -> None:
        """Drop the image's commands (after a conflict their snapshots would overwrite another's work)."""
        self._done = [c for c in self._done if c.image_id != image_id]
        self._undone = [c for c in self._undone if c.image_id != image_id]

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def __len__(self) -> int:
        return len(self._done)
