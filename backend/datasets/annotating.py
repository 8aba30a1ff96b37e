"""Reading and saving an image's boxes: revisions, conflicts, idempotent retries.

A save names the revision its edit started from. If the image moved on since (another annotator, or
another window, saved in between), the save is refused with ``Conflict`` and nothing is written. A save
carrying a ``client_edit_id`` the image has seen recently is answered with what that save returned
the first time, so a client that retries after a lost reply never applies an edit twice (and never
gets a false conflict for its own edit).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from backend.datasets import catalog
from backend.datasets.imagerows import image_row, insert_boxes, sort_confidence
from backend.datasets.records import AnnotationsRecord, Status
from omni_core.errors import Conflict, InvalidArgument, shown
from omni_core.formats.boxes import box_error
from omni_core.formats.model import Box

#: client_edit_ids remembered per image (older ones are forgotten)
REMEMBERED_EDITS = 32
MAX_BOXES = 10_000
MAX_EDITOR = 128
MAX_EDIT_ID = 128


def read_boxes(conn: sqlite3.Connection, image_row_id: int) -> tuple[Box, ...]:
    rows = conn.execute(
        "SELECT class_id, x_center, y_center, width, height, confidence, flags FROM boxes WHERE image_row = ? "
        "ORDER BY idx",
        (image_row_id,),
    )
    return tuple(Box(int(c), x, y, w, h, conf, int(flags)) for c, x, y, w, h, conf, flags in rows)


def get(conn: sqlite3.Connection, dataset: str, image_id: str) -> AnnotationsRecord:
    ds = catalog.dataset_id(conn, dataset)
    row_id, image = image_row(conn, ds, image_id, dataset)
    return AnnotationsRecord(
        dataset=dataset,
        image_id=image_id,
        boxes=read_boxes(conn, row_id),
        status=image.status,
        revision=image.revision,
        updated_at=image.updated_at,
        updated_by=image.updated_by,
    )


def check_boxes(conn: sqlite3.Connection, ds: int, boxes: Sequence[Box]) -> None:
    """Refuse the whole save if any box is unusable or names a class outside the table (or a deleted one)."""
    if len(boxes) > MAX_BOXES:
        raise InvalidArgument("boxes", f"at most {MAX_BOXES} boxes per image, got {len(boxes)}")
    table = {c.id: c for c in catalog.classes(conn, ds)}
    for index, box in enumerate(boxes):
        field = f"boxes[{index}]"
        found = table.get(box.class_id)
        if found is None:
            raise InvalidArgument(
                field, f"class id {box.class_id} is beyond the class list (ids 0..{max(table, default=-1)})"
            )
        if found.deleted:
            raise InvalidArgument(field, f"class {box.class_id} {shown(found.name)} is deleted")
        error = box_error(box.x_center, box.y_center, box.width, box.height)
        if error:
            raise InvalidArgument(field, error)
        if box.confidence is not None and not 0 <= box.confidence <= 1:
            raise InvalidArgument(field, f"confidence {box.confidence} is outside 0..1")


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if seconds else "earlier"


def save(
    conn: sqlite3.Connection,
    dataset: str,
    image_id: str,
    *,
    base_revision: int,
    boxes: Sequence[Box],
    status: int,
    editor: str,
    client_edit_id: str,
) -> AnnotationsRecord:
    """Inside the caller's write transaction: the image's new annotations, or Conflict / InvalidArgument."""
    if len(editor) > MAX_EDITOR or len(client_edit_id) > MAX_EDIT_ID:
        raise InvalidArgument("editor" if len(editor) > MAX_EDITOR else "client_edit_id", "is too long")
    if status and status not in {s.value for s in Status}:
        raise InvalidArgument("status", f"unknown image status {status}")
    ds = catalog.dataset_id(conn, dataset)
    row_id, image = image_row(conn, ds, image_id, dataset)
    if client_edit_id:
        done = conn.execute(
            "SELECT result FROM edits WHERE image_row = ? AND client_edit_id = ?", (row_id, client_edit_id)
        ).fetchone()
        if done is not None:
            return _from_json(dataset, image_id, done[0])
    if base_revision != image.revision:
        who = image.updated_by or "someone"
        raise Conflict(
            f"{shown(image.filename)} was saved by {who} as revision {image.revision} at {_when(image.updated_at)}, "
            f"after revision {base_revision} your edit started from; nothing was overwritten. "
            "Reload the image and redo the edit."
        )
    check_boxes(conn, ds, boxes)
    now = time.time()
    revision = image.revision + 1
    new_status = Status(status) if status else image.status
    conn.execute("DELETE FROM boxes WHERE image_row = ?", (row_id,))
    insert_boxes(conn, ds, row_id, boxes)
    conn.execute(
        "UPDATE images SET revision = ?, status = ?, box_count = ?, sort_confidence = ?, updated_at = ?, "
        "updated_by = ? WHERE id = ?",
        (revision, int(new_status), len(boxes), sort_confidence(boxes), now, editor, row_id),
    )
    catalog.touch(conn, ds, now)
    result = AnnotationsRecord(dataset, image_id, tuple(boxes), new_status, revision, now, editor)
    if client_edit_id:
        conn.execute(
            "INSERT INTO edits (image_row, client_edit_id, revision, result) VALUES (?, ?, ?, ?)",
            (row_id, client_edit_id, revision, _to_json(result)),
        )
        conn.execute("DELETE FROM edits WHERE image_row = ? AND revision <= ?", (row_id, revision - REMEMBERED_EDITS))
    return result


def _to_json(record: AnnotationsRecord) -> str:
    return json.dumps(
        {
            "boxes": [
                [b.class_id, b.x_center, b.y_center, b.width, b.height, b.confidence, b.flags] for b in record.boxes
            ],
            "status": int(record.status),
            "revision": record.revision,
            "updated_at": record.updated_at,
            "updated_by": record.updated_by,
        }
    )


def _from_json(dataset: str, image_id: str, text: str) -> AnnotationsRecord:
    data = json.loads(text)
    boxes = data["boxes"]
    return AnnotationsRecord(
        dataset=dataset,
        image_id=image_id,
        boxes=tuple(Box(int(b[0]), b[1], b[2], b[3], b[4], b[5], int(b[6]) if len(b) > 6 else 0) for b in boxes),
        status=Status(data["status"]),
        revision=int(data["revision"]),
        updated_at=float(data["updated_at"]),
        updated_by=str(data["updated_by"]),
    )
