"""Compare the workspace with its remote without downloading anything.

The remote side is its listing (size, ETag); the local side is the hash cache's digests. Equal sizes and an
ETag equal to the one our upload of the local file would get prove the same bytes; otherwise one HEAD asks
the object's SHA-256 (its metadata) and that decides. An interrupted push leaves no object (multipart parts
are not objects until completed), so the status after one is truthful.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from backend.storage.local import LocalStore
from backend.storage.s3 import RemoteEntry, S3Store
from backend.sync.hash_cache import FileDigest, HashCache, digest_bytes
from backend.sync.selection import group_of, synced
from omni_core.errors import NotFound

HEAD_THREADS = 16


class SyncState(enum.IntEnum):
    """Mirrors ``omni.v1.SyncState``."""

    LOCAL_ONLY = 1
    REMOTE_ONLY = 2
    SAME = 3
    DIFFERENT = 4


@dataclass(frozen=True)
class LocalItem:
    """A local object: a workspace file, or bytes made for the sync (a dataset snapshot)."""

    key: str
    digest: FileDigest
    path: Path | None = None
    data: bytes | None = None


@dataclass
class Entry:
    key: str
    state: SyncState
    local: LocalItem | None = None
    remote: RemoteEntry | None = None
    remote_sha256: str = ""

    @property
    def group(self) -> str:
        return group_of(self.key)


@dataclass
class Status:
    entries: list[Entry] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, state: SyncState) -> int:
        return sum(1 for entry in self.entries if entry.state == state)


def local_files(root: Path, prefixes: Iterable[str]) -> dict[str, Path]:
    """Workspace files under ``prefixes`` by key, as the artifact store lists them: hidden and partial files,
    and links (which could point outside the workspace), left out."""
    store = LocalStore(root)
    return {key: store.root / key for prefix in prefixes for key in store.keys(prefix) if synced(key)}


def local_items(cache: HashCache, files: dict[str, Path], made: dict[str, bytes] | None = None) -> dict[str, LocalItem]:
    items = {key: LocalItem(key, digest, path=files[key]) for key, digest in cache.digests(files).items()}
    for key, data in (made or {}).items():
        items[key] = LocalItem(key, digest_bytes(data), data=data)
    return items


def remote_entries(
    store: S3Store, prefixes: Iterable[str], extra: Iterable[str] = (), extra_filter: set[str] | None = None
) -> dict[str, RemoteEntry]:
    """The remote's objects under ``prefixes``, and under ``extra`` those in ``extra_filter`` (all when None)."""
    found: dict[str, RemoteEntry] = {}
    for prefix in prefixes:
        for entry in store.entries(prefix):
            if synced(entry.key):
                found[entry.key] = entry
    for prefix in extra:
        for entry in store.entries(prefix):
            if extra_filter is None or entry.key in extra_filter:
                found[entry.key] = entry
    return found


def compare(store: S3Store, local: dict[str, LocalItem], remote: dict[str, RemoteEntry]) -> list[Entry]:
    """One entry per key of either side, in key order."""
    entries: list[Entry] = []
    undecided: list[Entry] = []
    for key in sorted(set(local) | set(remote)):
        mine, theirs = local.get(key), remote.get(key)
        if theirs is None:
            entries.append(Entry(key, SyncState.LOCAL_ONLY, local=mine))
            continue
        if mine is None:
            entries.append(Entry(key, SyncState.REMOTE_ONLY, remote=theirs))
            continue
        entry = Entry(key, SyncState.SAME, local=mine, remote=theirs)
        entries.append(entry)
        if mine.digest.size != theirs.size or mine.digest.etag != theirs.etag:
            undecided.append(entry)
    if undecided:
        with ThreadPoolExecutor(max_workers=HEAD_THREADS, thread_name_prefix="sync-head") as pool:
            for entry, sha in zip(undecided, pool.map(lambda e: _remote_sha256(store, e.key), undecided), strict=True):
                entry.remote_sha256 = sha
                assert entry.local is not None
                if sha != entry.local.digest.sha256:
                    entry.state = SyncState.DIFFERENT
    return entries


def _remote_sha256(store: S3Store, key: str) -> str:
    try:
        return store.stat(key).sha256
    except NotFound:
        return ""


def status(
    store: S3Store,
    root: Path,
    cache: HashCache,
    prefixes: list[str],
    *,
    made: dict[str, bytes] | None = None,
    local_extra: dict[str, Path] | None = None,
    remote_extra: Iterable[str] = (),
    remote_filter: set[str] | None = None,
) -> Status:
    """The status of ``prefixes`` (plus made objects, extra local files and extra remote prefixes)."""
    started = time.monotonic()
    files = local_files(root, prefixes)
    files.update(local_extra or {})
    local = local_items(cache, files, made)
    remote = remote_entries(store, prefixes, remote_extra, remote_filter)
    return Status(compare(store, local, remote), time.monotonic() - started)
