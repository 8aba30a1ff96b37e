"""The local-directory store: keys are files under ``root``; writes go to a temp file, then rename.

The store follows no link: a key whose file, or any folder above it inside ``root``, is a symbolic link is
not an object (not listed, not hashed, not read; a write through it is refused), so a link placed in the
workspace never makes the store read or write elsewhere, on any backend."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from backend.storage.base import (
    CHUNK_SIZE,
    ArtifactStore,
    ObjectInfo,
    check_digest,
    sha256_of_file,
    validate_key,
    validate_prefix,
)
from omni_core.confinement import check_text
from omni_core.errors import InvalidArgument, NotFound, PermissionDenied, shown
from omni_core.partial import TEMP_SUFFIX


class LocalStore:
    """An ``ArtifactStore`` over a directory. Safe for concurrent writers of different keys."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def describe(self) -> str:
        return f"local:{self.root}"

    def path_of(self, key: str) -> Path:
        """The file behind ``key`` (for local fast paths only; never assume a store has files).
        PermissionDenied if a symbolic link is on the way: the store reads and writes only its own files."""
        path = self._lexical(key)
        if self._linked(path):
            raise PermissionDenied(f"key: {shown(key)} goes through a symbolic link; the store uses only its own files")
        return path

    def _lexical(self, key: str) -> Path:
        check_text(validate_key(key), "key")
        return self.root / key

    def _linked(self, path: Path) -> bool:
        """Whether ``path`` (under ``root``) or a folder between it and ``root`` is a symbolic link."""
        current = path
        while current != self.root:
            if current.is_symlink():
                return True
            current = current.parent
        return False

    def put_bytes(self, key: str, data: bytes, *, expected_sha256: str | None = None) -> ObjectInfo:
        digest = hashlib.sha256(data).hexdigest()
        check_digest(key, digest, expected_sha256)
        target = self._prepare(key)
        with self._atomic_writer(target) as handle:
            handle.write(data)
        return self._info(key, target, digest)

    def put_stream(self, key: str, stream: BinaryIO, *, expected_sha256: str | None = None) -> ObjectInfo:
        target = self._prepare(key)
        digest = hashlib.sha256()
        with self._atomic_writer(
            target, verify=lambda: check_digest(key, digest.hexdigest(), expected_sha256)
        ) as handle:
            while chunk := stream.read(CHUNK_SIZE):
                digest.update(chunk)
                handle.write(chunk)
        return self._info(key, target, digest.hexdigest())

    def put_file(self, key: str, path: Path, *, expected_sha256: str | None = None) -> ObjectInfo:
        with Path(path).open("rb") as stream:
            return self.put_stream(key, stream, expected_sha256=expected_sha256)

    def get_bytes(self, key: str) -> bytes:
        with self._open_own(key) as stream:
            return stream.read()

    def get_file(self, key: str, dest: Path) -> ObjectInfo:
        with self._open_own(key) as stream:
            info = LocalStore(Path(dest).parent).put_stream(Path(dest).name, stream)
        return ObjectInfo(key=key, size=info.size, sha256=info.sha256, modified=info.modified)

    def stat(self, key: str) -> ObjectInfo:
        path = self._existing(key)
        return self._info(key, path, sha256_of_file(path))

    def exists(self, key: str) -> bool:
        path = self._lexical(key)
        return path.is_file() and not self._linked(path)

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Keys that start with ``prefix``, in key order, without reading any file.

        Only the folder the prefix names is walked; hidden folders (the backend's state, where temporary
        folders come and go) are not entered, and a file that vanishes meanwhile is simply not listed."""
        validate_prefix(prefix)
        check_text(prefix, "prefix")
        folder = prefix if prefix.endswith("/") or not prefix else prefix.rpartition("/")[0]
        start = self.root / folder if folder else self.root
        if self._linked(start):
            return
        found: list[str] = []
        for current, dirs, files in os.walk(start):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            base = Path(current).relative_to(self.root).as_posix()
            for name in files:
                if name.startswith(".") or name.endswith(TEMP_SUFFIX) or os.path.islink(os.path.join(current, name)):
                    continue
                key = name if base == "." else f"{base}/{name}"
                if key.startswith(prefix):
                    found.append(key)
        yield from sorted(found)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects whose key starts with ``prefix``, in key order. Checksums are computed on demand."""
        for key in self.keys(prefix):
            path = self.root / key
            try:
                yield self._info(key, path, sha256_of_file(path))
            except FileNotFoundError:
                continue  # deleted or replaced while listing

    def delete(self, key: str) -> None:
        self._existing(key).unlink()

    # -- helpers ----------------------------------------------------------------------------------

    def _prepare(self, key: str) -> Path:
        target = self.path_of(key)
        parent = target.parent
        if parent.exists() and not parent.is_dir():
            raise InvalidArgument("key", f"{shown(key)}: {parent} is a file, not a folder")
        for ancestor in parent.relative_to(self.root).parents:
            if (self.root / ancestor).is_file():
                raise InvalidArgument("key", f"{shown(key)}: {self.root / ancestor} is a file, not a folder")
        parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir():
            raise InvalidArgument("key", f"{shown(key)} is a folder")
        return target

    def _open_own(self, key: str) -> BinaryIO:
        """The object's file, opened without following a link (one put there since the check is not read)."""
        path = self._existing(key)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENOENT):
                raise NotFound(f"no object {shown(key)} in {self.describe()}") from None
            raise
        return os.fdopen(fd, "rb")

    def _existing(self, key: str) -> Path:
        path = self._lexical(key)
        if not path.is_file() or self._linked(path):
            raise NotFound(f"no object {shown(key)} in {self.describe()}")
        return path

    @staticmethod
    def _info(key: str, path: Path, digest: str) -> ObjectInfo:
        stat = path.stat()
        return ObjectInfo(key=key, size=stat.st_size, sha256=digest, modified=stat.st_mtime)

    class _AtomicWriter:
        def __init__(self, target: Path, verify: object) -> None:
            self.target = target
            self.verify = verify
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
            self.temp = Path(name)
            self.handle = os.fdopen(fd, "wb")

        def __enter__(self) -> BinaryIO:
            return self.handle

        def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
            try:
                if exc_type is None:
                    self.handle.flush()
                    os.fsync(self.handle.fileno())
                self.handle.close()
                if exc_type is None and callable(self.verify):
                    self.verify()
                    exc_type = None
                if exc_type is None:
                    os.replace(self.temp, self.target)
                    self.temp = None  # type: ignore[assignment]
            finally:
                if self.temp is not None and self.temp.exists():
                    self.temp.unlink()

    def _atomic_writer(self, target: Path, verify: object = None) -> LocalStore._AtomicWriter:
        return LocalStore._AtomicWriter(target, verify)


def local_file(store: ArtifactStore, key: str, scratch: Path) -> Path:
    """A local path of a store file: the store's own when it is local, else a download into ``scratch``."""
    if isinstance(store, LocalStore):
        path = store.path_of(key)
        if path.is_file():
            return path
    target = scratch / key.replace("/", "_")
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        store.get_file(key, target)
    return target
