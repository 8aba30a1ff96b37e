"""The datasets' SQLite database (``<workspace>/.omni/datasets.sqlite3``).

WAL journal, ``synchronous=FULL``: every write is one transaction, committed to disk before the RPC that
made it answers, so a backend killed at any moment restarts with the last acknowledged state. Readers
(RPC threads, each with its own connection) never wait for a writer; writers take the write lock up
front (``BEGIN IMMEDIATE``), so a read-then-write transaction cannot fail halfway with "database is
locked". Import jobs write from their worker process through the same file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS classes (
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    class_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dataset_id, class_id)
) WITHOUT ROWID;
-- stored image bytes, content-addressed; shared by every dataset that holds the image
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    format TEXT NOT NULL,
    mode TEXT NOT NULL,
    width INTEGER NOT NULL,          -- upright
    height INTEGER NOT NULL,
    orientation INTEGER NOT NULL     -- EXIF, 1 = as stored
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS images (
    id INTEGER PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    filename TEXT NOT NULL,
    position INTEGER NOT NULL,
    status INTEGER NOT NULL DEFAULT 1,
    revision INTEGER NOT NULL DEFAULT 0,
    box_count INTEGER NOT NULL DEFAULT 0,
    -- the least confident suggestion's confidence; 2.0 when the image has no suggestions (sorts last)
    sort_confidence REAL NOT NULL DEFAULT 2.0,
    updated_at REAL NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL DEFAULT '',
    UNIQUE (dataset_id, sha256),
    UNIQUE (dataset_id, filename),
    UNIQUE (dataset_id, position)
);
CREATE INDEX IF NOT EXISTS images_status ON images(dataset_id, status, position);
CREATE INDEX IF NOT EXISTS images_updated ON images(dataset_id, updated_at, position);
CREATE INDEX IF NOT EXISTS images_confidence ON images(dataset_id, sort_confidence, position);
CREATE INDEX IF NOT EXISTS images_sha ON images(sha256);
CREATE TABLE IF NOT EXISTS boxes (
    image_row INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    dataset_id INTEGER NOT NULL,
    class_id INTEGER NOT NULL,
    x_center REAL NOT NULL,
    y_center REAL NOT NULL,
    width REAL NOT NULL,
    height REAL NOT NULL,
    confidence REAL,
    flags INTEGER NOT NULL DEFAULT 0,  -- omni_core.formats.model.BoxFlag bits: difficult, truncated, occluded
    PRIMARY KEY (image_row, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS boxes_class ON boxes(dataset_id, class_id);
-- recent client_edit_ids per image and the answer each got, so a retried save is answered, not applied twice
CREATE TABLE IF NOT EXISTS edits (
    image_row INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    client_edit_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (image_row, client_edit_id)
) WITHOUT ROWID;
"""


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a database an older version made up to ``SCHEMA_VERSION``, keeping its data; a new file is
    made by ``SCHEMA`` alone. Version 2 added ``boxes.flags`` (every existing box: no flags)."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    has_boxes = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'boxes'").fetchone()
    if has_boxes and version < 2:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(boxes)")}
        if "flags" not in columns:
            conn.execute("ALTER TABLE boxes ADD COLUMN flags INTEGER NOT NULL DEFAULT 0")


class Database:
    """Thread-local connections to one SQLite file; ``read()`` for snapshots, ``write()`` for transactions."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            migrate(conn)
            conn.executescript(SCHEMA)  # commits
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries."""
        conn = self.conn
        if conn.in_transaction:  # nested in a write: already consistent
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction holding the write lock from its start: all of it is committed, or none."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
