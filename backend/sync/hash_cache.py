"""SHA-256 and S3 ETag of local files, cached by (size, mtime): a status over 10,000 files hashes only what changed.

The ETag is the one S3 gives our upload of the file (the MD5 for one part, the MD5 of the part MD5s with
``-N`` for a multipart upload with ``S3Store``'s part size), so a listing alone proves most objects equal.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from backend.storage.base import CHUNK_SIZE
from backend.storage.multipart import multipart_etag, part_size_for
from backend.storage.s3 import PART_SIZE

CACHE_NAME = "sync-hashes.sqlite3"


@dataclass(frozen=True)
class FileDigest:
    size: int
    sha256: str
    etag: str


def digest_bytes(data: bytes) -> FileDigest:
    """The digest of bytes uploaded in one request (what ``S3Store.put_bytes`` sends)."""
    return FileDigest(len(data), hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest())


def digest_file(path: Path) -> FileDigest:
    """One read of ``path``: its SHA-256 and the ETag of our upload of it."""
    size = path.stat().st_size
    part = part_size_for(size, PART_SIZE)
    sha = hashlib.sha256()
    md5s: list[bytes] = []
    with path.open("rb") as handle:
        while True:
            part_md5 = hashlib.md5()
            left = part
            while left > 0 and (chunk := handle.read(min(CHUNK_SIZE, left))):
                sha.update(chunk)
                part_md5.update(chunk)
                left -= len(chunk)
            if left == part:
                break
            md5s.append(part_md5.digest())
            if left > 0:
                break
    return FileDigest(size, sha.hexdigest(), multipart_etag(md5s or [hashlib.md5(b"").digest()]))


class HashCache:
    """Digests of workspace files by key, valid while the file's size and mtime are unchanged."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / CACHE_NAME
        self._local = threading.local()

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS digests (key TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, "
                "sha256 TEXT, etag TEXT)"
            )
            self._local.conn = conn
        return conn

    def digests(self, files: dict[str, Path]) -> dict[str, FileDigest]:
        """The digest of each key's file, from the cache or by reading it (then remembered)."""
        conn = self._conn()
        known = {
            row[0]: row[1:] for row in conn.execute("SELECT key, size, mtime_ns, sha256, etag FROM digests").fetchall()
        }
        out: dict[str, FileDigest] = {}
        fresh: list[tuple[str, int, int, str, str]] = []
        for key, path in files.items():
            stat = path.stat()
            row = known.get(key)
            if row is not None and row[0] == stat.st_size and row[1] == stat.st_mtime_ns:
                out[key] = FileDigest(stat.st_size, row[2], row[3])
                continue
            digest = digest_file(path)
            out[key] = digest
            fresh.append((key, stat.st_size, stat.st_mtime_ns, digest.sha256, digest.etag))
        if fresh:
            with conn:
                conn.executemany("INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?, ?)", fresh)
        return out
