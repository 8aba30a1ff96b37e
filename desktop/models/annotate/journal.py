"""The local journal: every edit is appended (and fsync'd) here before it counts as done on screen.

One JSON object per line, in a file per backend and dataset. The journal is also the offline queue: an
edit stays *pending* until the backend acknowledges a save that covers it. Records:

``edit``   an edit: the image's whole state after it, and the revision it was based on
``send``   a save is about to go out (its id and base), so a restart can retry exactly it (idempotently)
``ack``    the backend stored these edits; the image is now at ``revision``
``aside``  these edits were refused (a conflict, or another refusal): kept until the user decides
``drop``   the user resolved an aside (kept theirs, or applied theirs + mine as a new edit)

A torn last line (the process killed mid-write) is ignored: its edit was never acknowledged on screen.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.models.annotate.boxes import ImageState

COMPACT_AFTER_LINES = 2000

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]


class JournalLocked(RuntimeError):
    """Another Omni Studio process has this dataset's journal open."""


@dataclass(frozen=True)
class JournalEdit:
    edit_id: str
    image_id: str
    base_revision: int
    state: ImageState
    kind: str = ""
    at: float = 0.0

    def to_record(self) -> dict[str, Any]:
        return {
            "t": "edit",
            "id": self.edit_id,
            "image": self.image_id,
            "base": self.base_revision,
            "state": self.state.to_json(),
            "kind": self.kind,
            "at": self.at,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> JournalEdit:
        return cls(
            str(record["id"]),
            str(record["image"]),
            int(record["base"]),
            ImageState.from_json(record["state"]),
            str(record.get("kind", "")),
            float(record.get("at", 0.0)),
        )


@dataclass(frozen=True)
class SendRecord:
    """A save that went out: ``edit_id`` (the newest edit it carries) based on ``base_revision``."""

    edit_id: str
    image_id: str
    base_revision: int
    covers: tuple[str, ...]

    def to_record(self) -> dict[str, Any]:
        return {
            "t": "send",
            "id": self.edit_id,
            "image": self.image_id,
            "base": self.base_revision,
            "covers": list(self.covers),
        }


@dataclass
class _State:
    edits: dict[str, JournalEdit] = field(default_factory=dict)  # insertion order = journal order
    acked: set[str] = field(default_factory=set)
    aside: dict[str, str] = field(default_factory=dict)  # edit id -> reason
    dropped: set[str] = field(default_factory=set)
    sends: dict[str, SendRecord] = field(default_factory=dict)  # image id -> its latest send
    revisions: dict[str, int] = field(default_factory=dict)  # image id -> revision of its latest ack


class Journal:
    """An append-only, fsync'd JSON-lines file; ``pending()`` is the queue of edits not yet acknowledged."""

    def __init__(self, path: Path, *, lock: bool = True) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._state = _State()
        self._lines = 0
        self._lock_fd = -1
        if lock and fcntl is not None:
            self._lock_fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(self._lock_fd)
                raise JournalLocked(f"{path.name} is open in another Omni Studio window") from None
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        self._load()
        if self._lines and not self.pending() and not self._state.aside:
            self._rewrite([])
        elif self._lines > COMPACT_AFTER_LINES:
            self.compact()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the lock (so does the process dying)
            self._lock_fd = -1

    # -- reading --------------------------------------------------------------------------------------

    def _load(self) -> None:
        with open(self._fd, "rb", closefd=False) as handle:
            handle.seek(0)
            data = handle.read()
        for line in data.splitlines():
            try:
                record = json.loads(line)
                self._apply(record)
            except (ValueError, KeyError, TypeError, AssertionError):
                continue  # a torn write: never acknowledged
            self._lines += 1
        if data and not data.endswith(b"\n"):
            os.write(self._fd, b"\n")  # the next record starts on a line of its own

    def _apply(self, record: dict[str, Any]) -> None:
        kind = record["t"]
        state = self._state
        if kind == "edit":
            edit = JournalEdit.from_record(record)
            state.edits[edit.edit_id] = edit
        elif kind == "send":
            send = SendRecord(str(record["id"]), str(record["image"]), int(record["base"]), tuple(record["covers"]))
            state.sends[send.image_id] = send
        elif kind == "ack":
            state.acked.update(record["ids"])
            state.revisions[str(record["image"])] = int(record["revision"])
            for edit_id in record["ids"]:
                state.aside.pop(edit_id, None)
        elif kind == "aside":
            for edit_id in record["ids"]:
                state.aside[edit_id] = str(record.get("reason", ""))
        elif kind == "drop":
            state.dropped.update(record["ids"])
            for edit_id in record["ids"]:
                state.aside.pop(edit_id, None)
        else:
            raise ValueError(kind)

    def _live(self, edit_id: str) -> bool:
        return edit_id not in self._state.acked and edit_id not in self._state.dropped

    def pending(self) -> list[JournalEdit]:
        """Edits to send, oldest first (not acknowledged, not put aside, not dropped)."""
        return [e for e in self._state.edits.values() if self._live(e.edit_id) and e.edit_id not in self._state.aside]

    def pending_for(self, image_id: str) -> list[JournalEdit]:
        return [e for e in self.pending() if e.image_id == image_id]

    def aside(self) -> dict[str, list[tuple[JournalEdit, str]]]:
        """Edits kept aside, by image: (edit, reason)."""
        result: dict[str, list[tuple[JournalEdit, str]]] = {}
        for edit_id, reason in self._state.aside.items():
            edit = self._state.edits.get(edit_id)
            if edit is not None and self._live(edit_id):
                result.setdefault(edit.image_id, []).append((edit, reason))
        return result

    def unanswered_send(self, image_id: str) -> SendRecord | None:
        """The image's last save, if it went out and was never answered (it may or may not have landed)."""
        send = self._state.sends.get(image_id)
        if send is None or not any(self._live(i) and i not in self._state.aside for i in send.covers):
            return None
        return send

    def edit(self, edit_id: str) -> JournalEdit | None:
        return self._state.edits.get(edit_id)

    # -- writing --------------------------------------------------------------------------------------

    def _append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":")).encode() + b"\n"
        os.write(self._fd, line)
        os.fsync(self._fd)
        self._apply(record)
        self._lines += 1

    def append_edit(self, edit: JournalEdit) -> None:
        """Durable when this returns: the edit survives the process being killed right after."""
        if not edit.at:
            edit = JournalEdit(edit.edit_id, edit.image_id, edit.base_revision, edit.state, edit.kind, time.time())
        self._append(edit.to_record())

    def record_send(self, send: SendRecord) -> None:
        self._append(send.to_record())

    def record_ack(self, edit_ids: Iterable[str], image_id: str, revision: int) -> None:
        self._append({"t": "ack", "ids": list(edit_ids), "image": image_id, "revision": revision})
        if not self.pending() and not self._state.aside:
            self._rewrite([])  # everything is on the server: start the file afresh
        elif self._lines > COMPACT_AFTER_LINES:
            self.compact()

    def record_aside(self, edit_ids: Iterable[str], image_id: str, reason: str) -> None:
        self._append({"t": "aside", "ids": list(edit_ids), "image": image_id, "reason": reason})

    def record_drop(self, edit_ids: Iterable[str]) -> None:
        self._append({"t": "drop", "ids": list(edit_ids)})
        if not self.pending() and not self._state.aside:
            self._rewrite([])

    # -- compaction -----------------------------------------------------------------------------------

    def compact(self) -> None:
        """Rewrite the file with only what is still live (atomically: temp file, fsync, rename)."""
        state = self._state
        records: list[dict[str, Any]] = []
        for edit in state.edits.values():
            if self._live(edit.edit_id):
                records.append(edit.to_record())
        for image_id, send in state.sends.items():
            if self.unanswered_send(image_id) is not None:
                records.append(send.to_record())
        by_reason: dict[tuple[str, str], list[str]] = {}
        for edit_id, reason in state.aside.items():
            aside = state.edits.get(edit_id)
            if aside is not None and self._live(edit_id):
                by_reason.setdefault((aside.image_id, reason), []).append(edit_id)
        for (image_id, reason), ids in by_reason.items():
            records.append({"t": "aside", "ids": ids, "image": image_id, "reason": reason})
        self._rewrite(records)

    def _rewrite(self, records: list[dict[str, Any]]) -> None:
        temp = self.path.with_suffix(self.path.suffix + ".tmp")
        with temp.open("wb") as handle:
            for record in records:
                handle.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        old_fd = self._fd
        os.replace(temp, self.path)
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        os.close(old_fd)
        _fsync_dir(self.path.parent)
        self._lines = len(records)
        revisions = self._state.revisions
        self._state = _State(revisions=revisions)
        for record in records:
            self._apply(record)

    # -- summary ---------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.pending())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def state_dir() -> Path:
    """Where journals live: ``$OMNI_STATE_DIR`` or the platform's user state dir."""
    import platformdirs

    return Path(os.environ.get("OMNI_STATE_DIR") or platformdirs.user_state_dir("omni-studio", appauthor=False))


def journal_path(backend_key: str, dataset: str) -> Path:
    """One journal per backend (``backend_key``: stable across restarts, e.g. host + workspace) and dataset."""
    safe_backend = "".join(c if c.isalnum() or c in "-_." else "_" for c in backend_key)[:80] or "backend"
    return state_dir() / "journals" / safe_backend / f"{dataset}.jsonl"


def journals_with_work(backend_key: str) -> list[str]:
    """Datasets of this backend whose journal still holds edits (not sent, or kept aside)."""
    folder = journal_path(backend_key, "x").parent
    if not folder.is_dir():
        return []
    return sorted(path.stem for path in folder.glob("*.jsonl") if path.stat().st_size > 0)
