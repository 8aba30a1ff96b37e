"""Carry out a push or a pull: many objects at once, progress in bytes, nothing local lost.

Rules (the same for push and pull):
- same bytes on both sides: skipped, so a killed or cancelled sync resumes where it stopped (a large object
  also resumes inside: multipart parts already on the server and partial downloads are kept);
- a model version's file that differs: a conflict (versions are immutable), never replaced, both SHA-256 named;
- any other difference: kept on both sides and reported, unless ``overwrite`` (a pull then moves the local
  file to ``.omni/replaced/<time>/`` first);
- a version's card moves after its files, so a half-moved version is never listed.
"""

from __future__ import annotations

import enum
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from backend.storage.futures import next_done
from backend.storage.local import LocalStore
from backend.storage.s3 import PARALLEL_OBJECTS, S3Store
from backend.sync.selection import card_last, is_model_file
from backend.sync.status import Entry, SyncState
from omni_core.errors import Conflict


class Direction(enum.Enum):
    PUSH = "push"
    PULL = "pull"


@dataclass
class Outcome:
    moved: list[str] = field(default_factory=list)
    conflicts: list[Entry] = field(default_factory=list)
    bytes_moved: int = 0
    seconds: float = 0.0

    def conflict_message(self) -> str:
        lines = [
            f"{entry.key}: local SHA-256 {entry.local.digest.sha256 if entry.local else '?'}, "
            f"remote SHA-256 {entry.remote_sha256 or '?'}"
            for entry in self.conflicts
        ]
        return "model versions are immutable; these differ between the workspace and the remote: " + "; ".join(lines)


@dataclass(frozen=True)
class Work:
    """What a sync would do, decided before anything moves (a dry run stops here)."""

    to_move: list[Entry]
    same: int
    kept_different: list[Entry]
    conflicts: list[Entry]

    @property
    def bytes_total(self) -> int:
        return sum(_size(entry) for entry in self.to_move)


def decide(entries: list[Entry], direction: Direction, *, overwrite: bool) -> Work:
    source_only = SyncState.LOCAL_ONLY if direction is Direction.PUSH else SyncState.REMOTE_ONLY
    to_move, kept, conflicts, same = [], [], [], 0
    for entry in entries:
        if entry.state == SyncState.SAME:
            same += 1
        elif entry.state == source_only:
            to_move.append(entry)
        elif entry.state == SyncState.DIFFERENT:
            if is_model_file(entry.key):
                conflicts.append(entry)
            elif overwrite:
                to_move.append(entry)
            else:
                kept.append(entry)
    to_move.sort(key=lambda entry: card_last(entry.key))
    return Work(to_move, same, kept, conflicts)


def _size(entry: Entry) -> int:
    if entry.local is not None and entry.state != SyncState.REMOTE_ONLY:
        return entry.local.digest.size
    return entry.remote.size if entry.remote is not None else 0


class _Progress:
    def __init__(self, report: Callable[[int, int, int], None], total_bytes: int, total_objects: int) -> None:
        self._lock = threading.Lock()
        self._report = report
        self.total_bytes, self.total_objects = total_bytes, total_objects
        self.bytes, self.objects = 0, 0

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self.bytes += count
            self._report(self.bytes, self.objects, self.total_objects)

    def object_done(self) -> None:
        with self._lock:
            self.objects += 1
            self._report(self.bytes, self.objects, self.total_objects)


def execute(
    store: S3Store,
    root: Path,
    state_dir: Path,
    work: Work,
    direction: Direction,
    *,
    report: Callable[[int, int, int], None],
    check: Callable[[], None],
) -> Outcome:
    """Move ``work.to_move``; ``report(bytes, objects, total objects)``; ``check()`` may raise to stop."""
    started = time.monotonic()
    outcome = Outcome(conflicts=list(work.conflicts))
    progress = _Progress(report, work.bytes_total, len(work.to_move))
    replaced_dir = state_dir / "replaced" / f"{time.strftime('%Y%m%d_%H%M%S')}_{uuid.uuid4().hex[:6]}"
    cards = [entry for entry in work.to_move if card_last(entry.key)[0]]
    files = [entry for entry in work.to_move if not card_last(entry.key)[0]]

    def move(entry: Entry) -> str:
        check()
        if direction is Direction.PUSH:
            _push_one(store, entry, progress.add_bytes, check)
        else:
            _pull_one(store, root, entry, replaced_dir, progress.add_bytes, check)
        progress.object_done()
        return entry.key

    for batch in (files, cards):  # cards only once every file they describe has moved
        outcome.moved += _run_all(move, batch)
    outcome.bytes_moved = progress.bytes
    outcome.seconds = time.monotonic() - started
    if outcome.conflicts:
        raise Conflict(outcome.conflict_message())
    return outcome


def _run_all(move: Callable[[Entry], str], entries: list[Entry]) -> list[str]:
    done_keys: list[str] = []
    if not entries:
        return done_keys
    with ThreadPoolExecutor(max_workers=PARALLEL_OBJECTS, thread_name_prefix="sync") as pool:
        futures: set[Future[str]] = {pool.submit(move, entry) for entry in entries}
        while futures:
            finished, futures = next_done(futures)
            done_keys += [future.result() for future in finished]
    return done_keys


def _push_one(store: S3Store, entry: Entry, on_bytes: Callable[[int], None], check: Callable[[], None]) -> None:
    item = entry.local
    assert item is not None
    if item.data is not None:
        store.put_bytes(entry.key, item.data)
        on_bytes(len(item.data))
        return
    assert item.path is not None
    store.put_file(entry.key, item.path, sha256=item.digest.sha256, on_bytes=on_bytes, check=check)


def _pull_one(
    store: S3Store,
    root: Path,
    entry: Entry,
    replaced_dir: Path,
    on_bytes: Callable[[int], None],
    check: Callable[[], None],
) -> None:
    dest = LocalStore(root).path_of(entry.key)  # PermissionDenied through a link: nothing lands outside
    if entry.state == SyncState.DIFFERENT and dest.exists():
        # overwrite: the local file is kept aside, never lost
        backup = replaced_dir / entry.key
        backup.parent.mkdir(parents=True, exist_ok=True)
        os.link(dest, backup)
    store.get_file(entry.key, dest, on_bytes=on_bytes, check=check)
