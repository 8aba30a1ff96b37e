"""Datasets and their locked class tables.

A class keeps its id forever: renaming keeps the id, deleting marks it deleted (its id stays reserved
and is never handed out again), and a class some box still uses cannot be deleted. So an exported
class id always means the same thing for the labels already drawn.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

from backend.datasets.records import DatasetClass, DatasetRecord, Status
from omni_core.datasets.names import check_class_list, check_class_name, check_dataset_name
from omni_core.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, shown


@dataclass(frozen=True)
class ClassChange:
    """One change to a class table: ``add`` a name, ``rename`` id to name, or ``delete`` id."""

    op: str
    class_id: int = -1
    name: str = ""


def dataset_id(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT id FROM datasets WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise NotFound(f"no dataset named {shown(name)}")
    return int(row[0])


def create(conn: sqlite3.Connection, name: str, classes: Sequence[str]) -> int:
    check_dataset_name(name)
    names = check_class_list(list(classes))
    if conn.execute("SELECT 1 FROM datasets WHERE name = ?", (name,)).fetchone():
        raise AlreadyExists(f"a dataset named {shown(name)} exists already")
    now = time.time()
    cursor = conn.execute("INSERT INTO datasets (name, created_at, updated_at) VALUES (?, ?, ?)", (name, now, now))
    new_id = int(cursor.lastrowid or 0)
    conn.executemany(
        "INSERT INTO classes (dataset_id, class_id, name) VALUES (?, ?, ?)",
        [(new_id, index, class_name) for index, class_name in enumerate(names)],
    )
    return new_id


def classes(conn: sqlite3.Connection, ds: int) -> tuple[DatasetClass, ...]:
    rows = conn.execute(
        "SELECT class_id, name, deleted FROM classes WHERE dataset_id = ? ORDER BY class_id", (ds,)
    ).fetchall()
    return tuple(DatasetClass(int(cid), str(name), bool(deleted)) for cid, name, deleted in rows)


def describe(conn: sqlite3.Connection, ds: int) -> DatasetRecord:
    name, created, updated = conn.execute(
        "SELECT name, created_at, updated_at FROM datasets WHERE id = ?", (ds,)
    ).fetchone()
    by_status = {status.label: 0 for status in Status}
    for status, count in conn.execute(
        "SELECT status, COUNT(*) FROM images WHERE dataset_id = ? GROUP BY status", (ds,)
    ):
        by_status[Status(status).label] = int(count)
    (boxes,) = conn.execute("SELECT COALESCE(SUM(box_count), 0) FROM images WHERE dataset_id = ?", (ds,)).fetchone()
    return DatasetRecord(
        name=name,
        classes=classes(conn, ds),
        image_count=sum(by_status.values()),
        images_by_status=by_status,
        box_count=int(boxes),
        created_at=float(created),
        updated_at=float(updated),
    )


def list_all(conn: sqlite3.Connection) -> list[DatasetRecord]:
    ids = [int(row[0]) for row in conn.execute("SELECT id FROM datasets ORDER BY name")]
    return [describe(conn, ds) for ds in ids]


def touch(conn: sqlite3.Connection, ds: int, when: float | None = None) -> None:
    conn.execute("UPDATE datasets SET updated_at = ? WHERE id = ?", (when or time.time(), ds))


def apply_class_changes(conn: sqlite3.Connection, ds: int, changes: Sequence[ClassChange]) -> list[str]:
    """Apply ``changes`` in order inside the caller's transaction; returns the names added.
    Raises (and the caller's transaction rolls back) on the first change that is not allowed."""
    current = {c.id: c for c in classes(conn, ds)}
    added = []
    for number, change in enumerate(changes):
        field = f"changes[{number}]"
        live = {c.name: c.id for c in current.values() if not c.deleted}
        if change.op == "add":
            name = check_class_name(change.name, field)
            if name in live:
                raise AlreadyExists(f"{field}: class {shown(name)} exists already (id {live[name]})")
            new_id = max(current, default=-1) + 1
            conn.execute("INSERT INTO classes (dataset_id, class_id, name) VALUES (?, ?, ?)", (ds, new_id, name))
            current[new_id] = DatasetClass(new_id, name)
            added.append(name)
        elif change.op == "rename":
            old = _live_class(current, change.class_id, field)
            name = check_class_name(change.name, field)
            if name in live and live[name] != old.id:
                raise AlreadyExists(f"{field}: class {shown(name)} exists already (id {live[name]})")
            conn.execute("UPDATE classes SET name = ? WHERE dataset_id = ? AND class_id = ?", (name, ds, old.id))
            current[old.id] = DatasetClass(old.id, name)
        elif change.op == "delete":
            old = _live_class(current, change.class_id, field)
            boxes, images = conn.execute(
                "SELECT COUNT(*), COUNT(DISTINCT image_row) FROM boxes WHERE dataset_id = ? AND class_id = ?",
                (ds, old.id),
            ).fetchone()
            if boxes:
                raise FailedPrecondition(
                    f"class {old.id} {shown(old.name)} is used by {boxes} boxes on {images} images; "
                    "relabel or remove those boxes first (class ids never change, so exports stay consistent)"
                )
            conn.execute("UPDATE classes SET deleted = 1 WHERE dataset_id = ? AND class_id = ?", (ds, old.id))
            current[old.id] = DatasetClass(old.id, old.name, deleted=True)
        else:
            raise InvalidArgument(field, "set one of add, rename or delete_id")
    touch(conn, ds)
    return added


def _live_class(current: dict[int, DatasetClass], class_id: int, field: str) -> DatasetClass:
    found = current.get(class_id)
    if found is None:
        raise NotFound(f"{field}: no class with id {class_id} (ids 0..{max(current, default=-1)})")
    if found.deleted:
        raise FailedPrecondition(f"{field}: class {class_id} {shown(found.name)} is deleted")
    return found
