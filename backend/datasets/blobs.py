"""Image bytes in the artifact store, content-addressed: ``training-data/images/<sha[:2]>/<sha>.<ext>``.

The same bytes are stored once, whichever dataset or upload brings them. Everything goes through the
``ArtifactStore`` interface, so an S3 store can take over.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from backend.datasets.records import NewImage
from backend.storage.base import ArtifactStore
from backend.storage.local import LocalStore
from omni_core.formats.images import FORMAT_EXTENSIONS
from omni_core.partial import TEMP_SUFFIX

PREFIX = "training-data/images"


def _write_replace(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (temp file + rename), without waiting for the disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}{TEMP_SUFFIX}")
    try:
        temp.write_bytes(data)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def blob_key(sha256: str, fmt: str) -> str:
    return f"{PREFIX}/{sha256[:2]}/{sha256}.{FORMAT_EXTENSIONS[fmt.upper()]}"


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    key: str
    size_bytes: int
    format: str
    mode: str
    width: int  # upright
    height: int
    orientation: int


def blob_info(conn: sqlite3.Connection, sha256: str) -> BlobInfo | None:
    row = conn.execute(
        "SELECT sha256, key, size_bytes, format, mode, width, height, orientation FROM blobs WHERE sha256 = ?",
        (sha256,),
    ).fetchone()
    return BlobInfo(*row) if row is not None else None


class ImageBlobs:
    def __init__(self, store: ArtifactStore) -> None:
        self.store = store
        self._unsynced = False

    def put_bytes(self, data: bytes, sha256: str, fmt: str, *, deferred_sync: bool = False) -> tuple[str, bool]:
        """Store ``data`` unless the store holds it already; (key, was it there already).

        ``deferred_sync`` (bulk imports): on a local store, skip the per-file fsync and let one ``sync()``
        per batch make the files durable before the transaction that references them commits. An fsync
        costs milliseconds, which would make an import of 10,000 small images take minutes.
        """
        key = blob_key(sha256, fmt)
        if self.store.exists(key):
            return key, True
        if deferred_sync and isinstance(self.store, LocalStore):
            _write_replace(self.store.path_of(key), data)  # a clearly local fast path
            self._unsynced = True
        else:
            self.store.put_bytes(key, data, expected_sha256=sha256)
        return key, False

    def sync(self) -> None:
        """Make the files written with ``deferred_sync`` durable (one system-wide flush)."""
        if self._unsynced:
            os.sync()
            self._unsynced = False

    def put_file(self, path: Path, sha256: str, fmt: str) -> tuple[str, bool]:
        key = blob_key(sha256, fmt)
        if self.store.exists(key):
            return key, True
        self.store.put_file(key, path, expected_sha256=sha256)
        return key, False

    def ensure_stored(self, item: NewImage) -> str | None:
        """The key of ``item``'s bytes, storing them again from ``item.source`` if they vanished (a dataset
        deleted meanwhile took them with it); None if they vanished and there is no source. Called inside
        the transaction that references them, which is what makes the check safe."""
        key = blob_key(item.sha256, item.probe.format)
        if self.store.exists(key):
            return key
        if item.source is None or not item.source.is_file():
            return None
        return self.put_file(item.source, item.sha256, item.probe.format)[0]

    def find_stored(self, sha256: str) -> str | None:
        """The key under which the store holds ``sha256``'s bytes, whatever their format; None if it does not."""
        for extension in dict.fromkeys(FORMAT_EXTENSIONS.values()):
            key = f"{PREFIX}/{sha256[:2]}/{sha256}.{extension}"
            if self.store.exists(key):
                return key
        return None

    def read(self, key: str) -> bytes:
        return self.store.get_bytes(key)

    def delete_unreferenced(self, conn: sqlite3.Connection, candidates: list[str]) -> list[str]:
        """Inside a write transaction: forget and delete the candidates no image references any more."""
        gone = []
        for sha256 in candidates:
            if conn.execute("SELECT 1 FROM images WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone():
                continue
            info = blob_info(conn, sha256)
            conn.execute("DELETE FROM blobs WHERE sha256 = ?", (sha256,))
            if info is not None and self.store.exists(info.key):
                self.store.delete(info.key)
            gone.append(sha256)
        return gone
