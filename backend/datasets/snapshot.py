"""A dataset as one JSON document, so it can travel through the workspace's remote.

The image bytes travel on their own (content-addressed, ``training-data/images/<sha[:2]>/<sha>.<ext>``); the
snapshot (``training-data/datasets/<name>.json``) carries the rest of the database: the class table with its
locked ids, and per image its filename, bytes (sha256, blob key, format, size, mode, upright width/height,
EXIF orientation), review status, boxes (``[class_id, x_center, y_center, width, height]``, normalised, with a
sixth value for a suggestion's confidence, and a seventh for the box's flags (``BoxFlag`` bits) when it has any,
the sixth then ``null`` on a box a person drew), revision and last save (time, editor).

The encoding is canonical: sorted keys, no whitespace, images by filename, classes by id, floats as Python
writes them back exactly. The same dataset always gives the same bytes, so comparing SHA-256s tells whether a
local and a remote copy are the same. Dataset timestamps are left out (they change on every touch).
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any

from backend.datasets import catalog
from backend.datasets.annotating import MAX_BOXES, MAX_EDITOR
from backend.datasets.blobs import blob_key
from backend.datasets.imagerows import insert_boxes, sort_confidence
from backend.datasets.records import DatasetClass, Status
from backend.datasets.service import DatasetService
from omni_core.datasets.names import MAX_CLASSES, check_class_name, check_dataset_name, check_filename, check_sha256
from omni_core.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound, shown
from omni_core.formats.boxes import box_error
from omni_core.formats.images import FORMAT_EXTENSIONS
from omni_core.formats.model import ALL_FLAGS, Box

FORMAT = "omni.dataset-snapshot"
VERSION = 1
PREFIX = "training-data/datasets"
CREATED, UNCHANGED, REPLACED = "created", "unchanged", "replaced"
_STATUSES = {s.label: s for s in Status}
BLOB_FIELDS = ("sha256", "key", "size", "format", "mode", "width", "height", "orientation")


def snapshot_key(name: str) -> str:
    return f"{PREFIX}/{name}.json"


@dataclass(frozen=True)
class SnapshotImage:
    filename: str
    # the image's row of the ``blobs`` table, in its column order (BLOB_FIELDS)
    sha256: str
    key: str
    size: int
    format: str
    mode: str
    width: int  # upright
    height: int
    orientation: int
    # its annotations
    status: Status
    boxes: tuple[Box, ...]
    revision: int
    updated_at: float
    updated_by: str

    def to_json(self) -> dict[str, Any]:
        plain = {f.name: getattr(self, f.name) for f in fields(self)}
        return plain | {"status": self.status.label, "boxes": [_box_json(b) for b in self.boxes]}


@dataclass(frozen=True)
class Snapshot:
    name: str
    classes: tuple[DatasetClass, ...]  # by id, deleted ones included (their ids stay reserved)
    images: tuple[SnapshotImage, ...]  # by filename

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "classes": [{"id": c.id, "name": c.name, "deleted": c.deleted} for c in self.classes],
            "images": [image.to_json() for image in self.images],
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()

    def blob_keys(self) -> list[str]:
        """The store keys of the images' bytes, sorted, each once."""
        return sorted({image.key for image in self.images})


@dataclass(frozen=True)
class ApplyOutcome:
    """What ``apply_snapshot`` did. Filenames are those of the dataset's images."""

    dataset: str
    action: str  # CREATED | UNCHANGED | REPLACED
    sha256: str  # of the snapshot applied
    previous_sha256: str = ""  # of the local dataset before ("" when it was created)
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()  # their records are gone; their bytes stay in the store
    changed: tuple[str, ...] = ()  # other bytes, boxes, status, revision or last save
    newer_here: tuple[str, ...] = ()  # of ``changed``: the local revision was higher (local edits replaced)
    class_changes: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.action == UNCHANGED:
            return f"{self.dataset} is already the same as the snapshot (sha256 {self.sha256[:12]})"
        parts = [f"{len(self.added)} images added"]
        if self.action == REPLACED:
            parts += [f"{len(self.removed)} removed", f"{len(self.changed)} changed"]
            if self.newer_here:
                parts.append(f"{len(self.newer_here)} local edits replaced ({_some(self.newer_here)})")
            if self.removed:
                parts.append(f"removed: {_some(self.removed)}")
        if self.class_changes:
            parts.append(f"classes: {'; '.join(self.class_changes)}")
        return f"{self.action} {self.dataset} (sha256 {self.sha256[:12]}): " + ", ".join(parts)


def _some(names: tuple[str, ...], shown: int = 5) -> str:
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _box_json(box: Box) -> list[float | int | None]:
    values: list[float | int | None] = [box.class_id, box.x_center, box.y_center, box.width, box.height]
    if box.flags:
        return [*values, box.confidence, int(box.flags)]
    return values if box.confidence is None else [*values, box.confidence]


# -- building -------------------------------------------------------------------------------------------------


def build_snapshot(service: DatasetService, name: str) -> Snapshot:
    """The snapshot of dataset ``name`` (NotFound if there is none), read in one consistent read."""
    with service.db.read() as conn:
        return _read(conn, catalog.dataset_id(conn, name), name)


def _read(conn: sqlite3.Connection, ds: int, name: str) -> Snapshot:
    boxes: dict[int, list[Box]] = {}
    for row_id, cls, x, y, w, h, conf, flags in conn.execute(
        "SELECT image_row, class_id, x_center, y_center, width, height, confidence, flags FROM boxes "
        "WHERE dataset_id = ? ORDER BY image_row, idx",
        (ds,),
    ):
        boxes.setdefault(row_id, []).append(Box(int(cls), float(x), float(y), float(w), float(h), conf, int(flags)))
    rows = conn.execute(
        "SELECT i.id, i.filename, i.sha256, b.key, b.size_bytes, b.format, b.mode, b.width, b.height, b.orientation, "
        "i.status, i.revision, i.updated_at, i.updated_by FROM images i JOIN blobs b ON b.sha256 = i.sha256 "
        "WHERE i.dataset_id = ?",
        (ds,),
    )
    images = [
        SnapshotImage(
            filename=filename,
            **dict(zip(BLOB_FIELDS, blob, strict=True)),
            status=Status(status),
            boxes=tuple(boxes.get(row_id, ())),
            revision=revision,
            updated_at=updated_at,
            updated_by=updated_by,
        )
        for row_id, filename, *blob, status, revision, updated_at, updated_by in rows
    ]
    images.sort(key=lambda image: image.filename)
    return Snapshot(name, catalog.classes(conn, ds), tuple(images))


# -- reading (every field checked; a bad one is an InvalidArgument naming it) ----------------------------------


def parse_snapshot(data: bytes) -> Snapshot:
    try:
        document = json.loads(data)
    except ValueError as error:
        raise InvalidArgument("snapshot", f"is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise InvalidArgument("snapshot", "is not a JSON object")
    if _field(document, "format", str, "") != FORMAT:
        raise InvalidArgument("format", f"is not {shown(FORMAT)}: not a dataset snapshot")
    version = _field(document, "version", int, "")
    if version != VERSION:
        raise InvalidArgument("version", f"snapshot version {version} is not supported (this backend reads {VERSION})")
    name = check_dataset_name(_field(document, "name", str, ""), "name")
    classes = _classes(_field(document, "classes", list, ""))
    items = _field(document, "images", list, "")
    images = tuple(_image(item, f"images[{n}].", classes) for n, item in enumerate(items))
    for what in ("filename", "sha256"):
        seen: set[str] = set()
        for n, image in enumerate(images):
            value = getattr(image, what)
            if value in seen:
                raise InvalidArgument(f"images[{n}].{what}", f"{shown(value)} appears twice in the dataset")
            seen.add(value)
    return Snapshot(name, classes, tuple(sorted(images, key=lambda image: image.filename)))


def _field(obj: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
    if name not in obj:
        raise InvalidArgument(f"{where}{name}", "is missing")
    value = obj[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidArgument(f"{where}{name}", f"must be a JSON {kind.__name__}, got {json.dumps(value)[:40]}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidArgument(f"{where}{name}", "must be a finite number")
    return value


def _object(item: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(item, dict):
        raise InvalidArgument(where.rstrip("."), "must be a JSON object")
    return item


def _classes(items: list[Any]) -> tuple[DatasetClass, ...]:
    if len(items) > MAX_CLASSES:
        raise InvalidArgument("classes", f"at most {MAX_CLASSES} classes")
    found: list[DatasetClass] = []
    live: set[str] = set()
    for n, item in enumerate(items):
        where = f"classes[{n}]."
        obj = _object(item, where)
        if _field(obj, "id", int, where) != n:
            raise InvalidArgument(f"{where}id", f"must be {n}: class ids run 0, 1, 2, ... in order")
        name = check_class_name(_field(obj, "name", str, where), f"{where}name")
        deleted = _field(obj, "deleted", bool, where)
        if not deleted and name in live:
            raise InvalidArgument(f"{where}name", f"class {shown(name)} appears twice")
        if not deleted:
            live.add(name)
        found.append(DatasetClass(n, name, deleted))
    return tuple(found)


def _image(item: Any, where: str, classes: tuple[DatasetClass, ...]) -> SnapshotImage:
    obj = _object(item, where)
    sha = _field(obj, "sha256", str, where)
    if check_sha256(sha, f"{where}sha256") != sha:
        raise InvalidArgument(f"{where}sha256", f"{shown(sha)} is not a lower-case SHA-256")
    fmt = _field(obj, "format", str, where)
    if fmt.upper() not in FORMAT_EXTENSIONS:
        raise InvalidArgument(f"{where}format", f"{shown(fmt)} is not an image format the datasets keep")
    key = _field(obj, "key", str, where)
    if key != blob_key(sha, fmt):
        raise InvalidArgument(f"{where}key", f"{shown(key)} is not where these bytes live ({blob_key(sha, fmt)})")
    size, width, height = (_field(obj, f, int, where) for f in ("size", "width", "height"))
    orientation = _field(obj, "orientation", int, where)
    if size <= 0 or width <= 0 or height <= 0 or not 1 <= orientation <= 8:
        raise InvalidArgument(where.rstrip("."), "size, width and height must be positive, orientation 1..8")
    status = _field(obj, "status", str, where)
    if status not in _STATUSES:
        raise InvalidArgument(f"{where}status", f"{shown(status)} is not one of {', '.join(_STATUSES)}")
    revision = _field(obj, "revision", int, where)
    updated_at = _field(obj, "updated_at", float, where)
    if revision < 0 or updated_at < 0:
        raise InvalidArgument(f"{where}revision", "revision and updated_at must not be negative")
    updated_by = _field(obj, "updated_by", str, where)
    if len(updated_by) > MAX_EDITOR:
        raise InvalidArgument(f"{where}updated_by", "is too long")
    boxes = _field(obj, "boxes", list, where)
    if len(boxes) > MAX_BOXES:
        raise InvalidArgument(f"{where}boxes", f"at most {MAX_BOXES} boxes per image")
    filename = _field(obj, "filename", str, where)
    if check_filename(filename, f"{where}filename") != filename:
        raise InvalidArgument(f"{where}filename", f"{shown(filename)} is not in canonical form ('/', no spaces around)")
    return SnapshotImage(
        filename=filename,
        sha256=sha,
        key=key,
        format=fmt,
        size=size,
        mode=_field(obj, "mode", str, where),
        width=width,
        height=height,
        orientation=orientation,
        status=_STATUSES[status],
        boxes=tuple(_box(value, f"{where}boxes[{n}]", classes) for n, value in enumerate(boxes)),
        revision=revision,
        updated_at=updated_at,
        updated_by=updated_by,
    )


def _box(value: Any, field: str, classes: tuple[DatasetClass, ...]) -> Box:
    if not isinstance(value, list) or len(value) not in (5, 6, 7):
        raise InvalidArgument(field, "must be [class_id, x_center, y_center, width, height(, confidence(, flags))]")
    flags = value[6] if len(value) == 7 else 0
    if not isinstance(flags, int) or isinstance(flags, bool) or not 0 <= flags <= ALL_FLAGS:
        raise InvalidArgument(field, f"flags must be an integer 0..{ALL_FLAGS}, got {json.dumps(flags)[:20]}")
    if len(value) == 7 and value[5] is None:
        value = value[:5]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value) or not isinstance(value[0], int):
        raise InvalidArgument(field, f"must hold an integer class id and numbers, got {json.dumps(value)[:60]}")
    class_id = value[0]
    if not 0 <= class_id < len(classes):
        raise InvalidArgument(field, f"class id {class_id} is beyond the class list (ids 0..{len(classes) - 1})")
    if classes[class_id].deleted:
        raise InvalidArgument(field, f"class {class_id} {shown(classes[class_id].name)} is deleted")
    x, y, w, h = (float(v) for v in value[1:5])
    error = box_error(x, y, w, h)
    if error:
        raise InvalidArgument(field, error)
    confidence = float(value[5]) if len(value) >= 6 else None
    if confidence is not None and not 0 <= confidence <= 1:
        raise InvalidArgument(field, f"confidence {confidence} is outside 0..1")
    return Box(class_id, x, y, w, h, confidence, flags)


# -- applying ---------------------------------------------------------------------------------------------------


def apply_snapshot(service: DatasetService, data: bytes, *, overwrite: bool) -> ApplyOutcome:
    """Create (or, with ``overwrite``, replace) the dataset a pulled snapshot describes, in one transaction.

    The bytes of every image must be in the local store with the right SHA-256 first (FailedPrecondition
    naming the image otherwise). A dataset of that name with other content is refused with Conflict unless
    ``overwrite``; nothing is written when anything is refused."""
    incoming = parse_snapshot(data)
    local = _local(service, incoming.name)
    if local is not None and local.to_bytes() == incoming.to_bytes():
        return ApplyOutcome(incoming.name, UNCHANGED, incoming.sha256, incoming.sha256)
    if local is not None and not overwrite:
        raise _conflict(local, incoming)
    _check_blobs(service, incoming)
    with service.db.write() as conn:  # decided again under the write lock: someone may have saved meanwhile
        try:
            ds: int | None = catalog.dataset_id(conn, incoming.name)
        except NotFound:
            ds = None
        local = _read(conn, ds, incoming.name) if ds is not None else None
        if local is not None and local.to_bytes() == incoming.to_bytes():
            return ApplyOutcome(incoming.name, UNCHANGED, incoming.sha256, incoming.sha256)
        if local is not None and not overwrite:
            raise _conflict(local, incoming)
        _check_blobs(service, incoming, verify=False)  # again where it is safe: a delete may have taken some
        if ds is None:
            ds = catalog.create(conn, incoming.name, [])
        else:
            conn.execute("DELETE FROM images WHERE dataset_id = ?", (ds,))  # boxes and edits go with them
        conn.execute("DELETE FROM classes WHERE dataset_id = ?", (ds,))
        _write(conn, ds, incoming)
    return _outcome(local, incoming)


def _local(service: DatasetService, name: str) -> Snapshot | None:
    try:
        return build_snapshot(service, name)
    except NotFound:
        return None


def _conflict(local: Snapshot, incoming: Snapshot) -> Conflict:
    return Conflict(
        f"dataset {shown(incoming.name)} here (snapshot sha256 {local.sha256}) differs from the incoming snapshot "
        f"(sha256 {incoming.sha256}); nothing was changed. Overwrite to replace the local dataset with it."
    )


def _check_blobs(service: DatasetService, snapshot: Snapshot, *, verify: bool = True) -> None:
    """Every image's bytes are in the local store (and, with ``verify``, have the right SHA-256)."""
    store = service.blobs.store
    for image in snapshot.images:
        try:
            if not verify and store.exists(image.key):
                continue
            info = store.stat(image.key)
        except NotFound:
            raise FailedPrecondition(
                f"dataset {shown(snapshot.name)}: the bytes of {shown(image.filename)} ({image.key}) are not in "
                "the local store; fetch them first. Nothing was changed."
            ) from None
        if info.sha256 != image.sha256:
            raise FailedPrecondition(
                f"dataset {shown(snapshot.name)}: {image.key} (the bytes of {shown(image.filename)}) has sha256 "
                f"{info.sha256 or '(unknown)'}, not {image.sha256}; fetch it again. Nothing was changed."
            )


def _write(conn: sqlite3.Connection, ds: int, snapshot: Snapshot) -> None:
    conn.executemany(
        "INSERT INTO classes (dataset_id, class_id, name, deleted) VALUES (?, ?, ?, ?)",
        [(ds, c.id, c.name, int(c.deleted)) for c in snapshot.classes],
    )
    for position, image in enumerate(snapshot.images):
        conn.execute(
            "INSERT OR IGNORE INTO blobs (sha256, key, size_bytes, format, mode, width, height, orientation) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            tuple(getattr(image, name) for name in BLOB_FIELDS),
        )
        cursor = conn.execute(
            "INSERT INTO images (dataset_id, sha256, filename, position, status, revision, box_count, "
            "sort_confidence, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ds,
                image.sha256,
                image.filename,
                position,
                int(image.status),
                image.revision,
                len(image.boxes),
                sort_confidence(image.boxes),
                image.updated_at,
                image.updated_by,
            ),
        )
        insert_boxes(conn, ds, int(cursor.lastrowid or 0), image.boxes)
    catalog.touch(conn, ds, time.time())


def _outcome(local: Snapshot | None, incoming: Snapshot) -> ApplyOutcome:
    if local is None:
        added = tuple(image.filename for image in incoming.images)
        return ApplyOutcome(incoming.name, CREATED, incoming.sha256, added=added)
    before = {image.filename: image for image in local.images}
    after = {image.filename: image for image in incoming.images}
    changed = tuple(name for name in after if name in before and before[name] != after[name])
    return ApplyOutcome(
        incoming.name,
        REPLACED,
        incoming.sha256,
        local.sha256,
        added=tuple(name for name in after if name not in before),
        removed=tuple(name for name in before if name not in after),
        changed=changed,
        newer_here=tuple(name for name in changed if before[name].revision > after[name].revision),
        class_changes=tuple(_class_changes(local.classes, incoming.classes)),
    )


def _class_changes(before: tuple[DatasetClass, ...], after: tuple[DatasetClass, ...]) -> Iterator[str]:
    for new in after:
        old = before[new.id] if new.id < len(before) else None
        if old is None:
            yield f"added {new.id} {new.name!r}" + (" (deleted)" if new.deleted else "")
        elif old.name != new.name:
            yield f"renamed {new.id} {old.name!r} to {new.name!r}"
        if old is not None and old.deleted != new.deleted:
            yield f"{'deleted' if new.deleted else 'restored'} {new.id} {new.name!r}"
    for old in before[len(after) :]:
        yield f"removed {old.id} {old.name!r}"
