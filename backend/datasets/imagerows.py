"""The images of a dataset: adding them in batches, and listing them a page at a time from an index.

Listing uses keyset paging: the page token holds the sort key of the last image sent, and the next page
is an index range scan from there, so page 50 of 10,000 images costs what page 1 does.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from backend.datasets import catalog
from backend.datasets.records import ImagePage, ImageRecord, NewImage, Status
from omni_core.errors import InvalidArgument, NotFound, shown
from omni_core.formats.model import Box

DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 5000
NO_SUGGESTION = 2.0  # sort_confidence of an image without suggestions: after every real confidence

#: order_by -> (key columns, direction)
ORDERS: dict[str, tuple[tuple[str, ...], str]] = {
    "position": (("position",), "ASC"),
    "filename": (("filename",), "ASC"),
    "updated": (("updated_at", "position"), "DESC"),  # the most recently saved first
    "confidence": (("sort_confidence", "position"), "ASC"),  # the least confident suggestion first
}
_COLUMNS = (
    "i.sha256, i.filename, b.width, b.height, i.status, i.revision, i.box_count, i.updated_at, i.updated_by, "
    "b.size_bytes, i.position, i.sort_confidence"
)


@dataclass(frozen=True)
class AddOutcome:
    filename: str
    image_id: str  # the image's id in the dataset; "" when refused
    added: bool  # a new image in the dataset (else it was there, or it was refused)
    message: str = ""  # why it was not added


def _record(row: Sequence[Any]) -> ImageRecord:
    return ImageRecord(
        image_id=row[0],
        filename=row[1],
        width=int(row[2]),
        height=int(row[3]),
        status=Status(row[4]),
        revision=int(row[5]),
        box_count=int(row[6]),
        updated_at=float(row[7]),
        updated_by=row[8],
        size_bytes=int(row[9]),
        position=int(row[10]),
    )


def sort_confidence(boxes: Sequence[Box]) -> float:
    return min((b.confidence for b in boxes if b.confidence is not None), default=NO_SUGGESTION)


def insert_boxes(conn: sqlite3.Connection, ds: int, image_row: int, boxes: Sequence[Box]) -> None:
    conn.executemany(
        "INSERT INTO boxes (image_row, idx, dataset_id, class_id, x_center, y_center, width, height, confidence, "
        "flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (image_row, idx, ds, b.class_id, b.x_center, b.y_center, b.width, b.height, b.confidence, int(b.flags))
            for idx, b in enumerate(boxes)
        ],
    )


def add_images(
    conn: sqlite3.Connection, ds: int, items: Sequence[NewImage], ensure_stored: Callable[[NewImage], str | None]
) -> list[AddOutcome]:
    """Add ``items`` inside the caller's transaction. An image already in the dataset under the same name is
    left as it is (its annotations untouched), so importing a folder twice adds nothing the second time.
    ``ensure_stored`` makes sure the bytes are in the artifact store and returns their key (None: they are not)."""
    by_sha: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for chunk in range(0, len(items), 400):
        part = items[chunk : chunk + 400]
        marks = ",".join("?" * len(part))
        for sha, filename in conn.execute(
            f"SELECT sha256, filename FROM images "
            f"WHERE dataset_id = ? AND (sha256 IN ({marks}) OR filename IN ({marks}))",
            (ds, *(i.sha256 for i in part), *(i.filename for i in part)),
        ):
            by_sha[sha], by_name[filename] = filename, sha
    (position,) = conn.execute(
        "SELECT COALESCE(MAX(position) + 1, 0) FROM images WHERE dataset_id = ?", (ds,)
    ).fetchone()
    now = time.time()
    outcomes = []
    for item in items:
        if item.sha256 in by_sha:
            same = by_sha[item.sha256] == item.filename
            message = "" if same else f"the same image is in the dataset as {shown(by_sha[item.sha256])}"
            outcomes.append(AddOutcome(item.filename, item.sha256, False, message))
            continue
        if item.filename in by_name:
            message = f"another image named {shown(item.filename)} is in the dataset already"
            outcomes.append(AddOutcome(item.filename, "", False, message))
            continue
        key = ensure_stored(item)
        if key is None:
            outcomes.append(AddOutcome(item.filename, "", False, "its bytes left the store meanwhile: upload it again"))
            continue
        probe = item.probe
        conn.execute(
            "INSERT OR IGNORE INTO blobs (sha256, key, size_bytes, format, mode, width, height, orientation) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (item.sha256, key, item.size_bytes, probe.format, probe.mode, probe.width, probe.height, probe.orientation),
        )
        labelled = item.boxes is not None
        boxes = item.boxes or ()
        cursor = conn.execute(
            "INSERT INTO images (dataset_id, sha256, filename, position, status, revision, box_count, "
            "sort_confidence, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ds,
                item.sha256,
                item.filename,
                position,
                int(item.status),
                1 if labelled else 0,
                len(boxes),
                sort_confidence(boxes),
                now if labelled else 0.0,
                item.editor if labelled else "",
            ),
        )
        if boxes:
            insert_boxes(conn, ds, int(cursor.lastrowid or 0), boxes)
        position += 1
        by_sha[item.sha256], by_name[item.filename] = item.filename, item.sha256
        outcomes.append(AddOutcome(item.filename, item.sha256, True))
    if any(outcome.added for outcome in outcomes):
        catalog.touch(conn, ds, now)
    return outcomes


def image_row(conn: sqlite3.Connection, ds: int, image_id: str, dataset: str) -> tuple[int, ImageRecord]:
    row = conn.execute(
        f"SELECT i.id, {_COLUMNS} FROM images i JOIN blobs b ON b.sha256 = i.sha256 "
        "WHERE i.dataset_id = ? AND i.sha256 = ?",
        (ds, image_id),
    ).fetchone()
    if row is None:
        raise NotFound(f"no image {shown(image_id)} in dataset {shown(dataset)}")
    return int(row[0]), _record(row[1:])


# -- listing ---------------------------------------------------------------------------------------------


def _encode_token(order: str, status: int, key: Sequence[Any]) -> str:
    raw = json.dumps({"o": order, "s": status, "k": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, order: str, status: int) -> list[Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        key = list(data["k"])
        matches = data["o"] == order and data["s"] == status and len(key) == len(ORDERS[order][0])
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument("page_token", "is not a token from ListImages") from None
    if not matches:
        raise InvalidArgument("page_token", "belongs to a listing with another status filter or order")
    if not all(_sql_value(value) for value in key):  # a forged token: SQLite would refuse the value
        raise InvalidArgument("page_token", "is not a token from ListImages")
    return key


def _sql_value(value: object) -> bool:
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return True
    return isinstance(value, int) and -(2**63) <= value < 2**63


#: what one page of images may weigh: well under the 4 MiB an ordinary gRPC client accepts (names can be long)
PAGE_BUDGET_BYTES = 3 * 1024 * 1024
#: what an image's fields besides its name and editor cost in a page, at most
ROW_OVERHEAD_BYTES = 160


def _within_budget(rows: list[Any]) -> int:
    """How many leading rows fit in ``PAGE_BUDGET_BYTES`` (at least one)."""
    used = 0
    for count, row in enumerate(rows):
        used += len(str(row[1]).encode()) + len(str(row[8] or "").encode()) + ROW_OVERHEAD_BYTES
        if count and used > PAGE_BUDGET_BYTES:
            return count
    return len(rows)


def list_page(
    conn: sqlite3.Connection, ds: int, *, status: int, order_by: str, page_size: int, page_token: str
) -> ImagePage:
    order = order_by or "position"
    if order not in ORDERS:
        raise InvalidArgument("order_by", f"{shown(order_by)} is not one of {', '.join(ORDERS)}")
    if page_size < 0:
        raise InvalidArgument("page_size", "must not be negative")
    if status and status not in {s.value for s in Status}:
        raise InvalidArgument("status", f"unknown image status {status}")
    size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    columns, direction = ORDERS[order]
    where, args = ["i.dataset_id = ?"], [ds]
    if status:
        where.append("i.status = ?")
        args.append(status)
    (total,) = conn.execute(f"SELECT COUNT(*) FROM images i WHERE {' AND '.join(where)}", args).fetchone()
    if page_token:
        key = _decode_token(page_token, order, status)
        comparison = ">" if direction == "ASC" else "<"
        names = ", ".join(f"i.{c}" for c in columns)
        where.append(f"({names}) {comparison} ({', '.join('?' * len(key))})")
        args.extend(key)
    ordering = ", ".join(f"i.{c} {direction}" for c in columns)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM images i JOIN blobs b ON b.sha256 = i.sha256 "
        f"WHERE {' AND '.join(where)} ORDER BY {ordering} LIMIT ?",
        (*args, size + 1),
    ).fetchall()
    more = len(rows) > size
    rows = rows[:size]
    kept = _within_budget(rows)
    more, rows = more or kept < len(rows), rows[:kept]
    token = ""
    if more:
        last = rows[-1]
        values = {"position": last[10], "filename": last[1], "updated_at": last[7], "sort_confidence": last[11]}
        token = _encode_token(order, status, [values[c] for c in columns])
    return ImagePage(images=[_record(row) for row in rows], next_page_token=token, total=int(total))
