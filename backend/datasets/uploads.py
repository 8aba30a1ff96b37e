"""Uploads: bytes arrive in chunks into a staging file named by their SHA-256, and become an image of a
dataset only after the whole file hashes to that SHA-256 and decodes as an image.

A dropped stream leaves the staging file with every byte received; ``offset(sha)`` tells a client where
to resume. One upload of given bytes writes at a time (a second waits, then usually finds them stored).
A complete file is renamed at once to a name of its own upload (``<sha>.<unique>.ready``) before it is
verified, stored and registered: another upload of the same bytes (two annotators, a retry) may start a
new ``.part`` meanwhile, or find the bytes stored, but never touches a file an upload still reads.
Files older than any upload (``STALE_*``) are removed when the staging folder is opened.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from backend.datasets.records import UploadOutcome
from omni_core.datasets.names import check_filename, check_sha256
from omni_core.errors import InvalidArgument, OmniError
from omni_core.formats.images import ImageProbe, UnusableImage, probe_bytes

MAX_UPLOAD_BYTES = 2 << 30
LOCK_WAIT_S = 60.0
REGISTER_EVERY = 256
PART_SUFFIX = ".part"
READY_SUFFIX = ".ready"
#: an unfinished upload is kept this long for a client to resume it
STALE_PART_S = 7 * 24 * 3600.0
#: a claimed file lives while its stream is verified and registered (minutes); older ones were orphaned
STALE_READY_S = 24 * 3600.0


class Staging:
    """The staging folder (``<state>/uploads``) and one lock per SHA-256 being received."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}
        self.remove_stale()

    def path(self, sha256: str) -> Path:
        """The resumable partial upload of ``sha256``; only the holder of its lock touches it."""
        return self.folder / f"{sha256}{PART_SUFFIX}"

    def claim(self, sha256: str) -> Path:
        """Rename the complete partial upload to a name of this upload's own (atomic); the caller holds the
        lock. Nothing else reads, writes or deletes the returned file but its owner."""
        owned = self.folder / f"{sha256}.{uuid.uuid4().hex}{READY_SUFFIX}"
        os.replace(self.path(sha256), owned)
        return owned

    def remove_stale(self, now: float | None = None) -> int:
        """Delete partial uploads nobody resumed for STALE_PART_S and claimed files older than STALE_READY_S
        (left by a backend that stopped mid-registration); returns how many."""
        now = time.time() if now is None else now
        removed = 0
        for path in self.folder.iterdir():
            limit = STALE_PART_S if path.name.endswith(PART_SUFFIX) else STALE_READY_S
            try:
                if path.is_file() and not path.is_symlink() and now - path.stat().st_mtime > limit:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def offset(self, sha256: str) -> int:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            return 0

    def acquire(self, sha256: str) -> bool:
        """Take the lock of ``sha256``; False if another upload of it kept it for LOCK_WAIT_S."""
        with self._guard:
            lock, users = self._locks.get(sha256, (threading.Lock(), 0))
            self._locks[sha256] = (lock, users + 1)
        if lock.acquire(timeout=LOCK_WAIT_S):
            return True
        self._leave(sha256)
        return False

    def release(self, sha256: str) -> None:
        self._locks[sha256][0].release()
        self._leave(sha256)

    def _leave(self, sha256: str) -> None:
        with self._guard:
            lock, users = self._locks[sha256]
            if users <= 1:
                del self._locks[sha256]
            else:
                self._locks[sha256] = (lock, users - 1)


@dataclass
class _File:
    dataset: str
    filename: str
    sha256: str
    size: int
    received: int = 0  # bytes in the staging file
    stored: bool = False  # the bytes are in the store already: data chunks are ignored
    handle: BinaryIO | None = None
    release: Callable[[], None] = lambda: None
    error: str = ""


@dataclass(frozen=True)
class Verified:
    """A file whose bytes are verified and stored, waiting to be added to its dataset."""

    dataset: str
    filename: str
    sha256: str
    size_bytes: int
    probe: ImageProbe | None  # None: the bytes were stored before this upload
    source: Path | None  # the staging file, deleted once the image is registered
    duplicate: bool


@dataclass
class UploadSession:
    """One ``UploadImages`` stream: ``header()`` and ``data()`` in the order they come, then ``finish()``.

    The callbacks come from the dataset service: ``check_dataset(name)`` raises NotFound,
    ``is_stored(sha)`` says whether the store holds the bytes, ``store_file(path, sha, fmt)`` stores
    verified bytes and returns whether they were there already, and ``register(batch)`` adds verified
    files to their datasets in one transaction and returns one outcome each.
    """

    staging: Staging
    check_dataset: Callable[[str], None]
    is_stored: Callable[[str], bool]
    store_file: Callable[[Path, str, str], bool]
    register: Callable[[list[Verified]], list[UploadOutcome]]
    results: list[UploadOutcome | None] = field(default_factory=list)
    _current: _File | None = None
    _pending: list[tuple[int, Verified]] = field(default_factory=list)

    def header(self, dataset: str, filename: str, sha256: str, size_bytes: int, offset: int) -> None:
        self._end_file()
        self.check_dataset(dataset)  # NOT_FOUND ends the stream: nothing else in it can succeed
        try:
            name = check_filename(filename)
            digest = check_sha256(sha256)
            if size_bytes == 0:
                raise InvalidArgument("size_bytes", "empty file (0 bytes): not an image")
            if not 0 < size_bytes <= MAX_UPLOAD_BYTES:
                raise InvalidArgument("size_bytes", f"must be 1..{MAX_UPLOAD_BYTES} bytes, got {size_bytes}")
            if not 0 <= offset <= size_bytes:
                raise InvalidArgument("offset", f"must be 0..size_bytes, got {offset}")
        except InvalidArgument as error:
            self._current = _File(dataset, filename, sha256, 0, error=error.message)
            return
        self._current = self._open(dataset, name, digest, size_bytes, offset)

    def _open(self, dataset: str, filename: str, sha256: str, size: int, offset: int) -> _File:
        if not self.staging.acquire(sha256):
            return _File(dataset, filename, sha256, size, error="another upload of the same bytes is still running")
        current = _File(dataset, filename, sha256, size, release=functools.partial(self.staging.release, sha256))
        if self.is_stored(sha256):
            current.stored = True
            self.staging.path(sha256).unlink(missing_ok=True)  # a stale partial upload of it
            return current
        path = self.staging.path(sha256)
        held = self.staging.offset(sha256)
        if offset > held:
            current.error = f"the backend holds {held} bytes of it, not {offset}: resume from offset {held}"
            return current
        # unbuffered: what arrived is in the file at once, so GetUploadOffset never under-reports a resume point
        handle = path.open("r+b" if path.exists() else "wb", buffering=0)
        handle.truncate(offset)
        handle.seek(offset)
        current.handle, current.received = handle, offset
        return current

    def data(self, chunk: bytes) -> None:
        current = self._current
        if current is None:
            raise InvalidArgument("chunks", "a data chunk came before any header")
        if current.stored or current.error or current.handle is None:
            return
        if current.received + len(chunk) > current.size:
            current.error = f"more bytes than size_bytes ({current.size}) arrived"
            return
        current.handle.write(chunk)
        current.received += len(chunk)

    def finish(self) -> list[UploadOutcome]:
        self.close()
        return [result for result in self.results if result is not None]

    def close(self) -> None:
        """End the stream (also a dropped one): what arrived stays staged, what was verified is registered."""
        try:
            self._end_file()
        finally:
            self._register()

    # -- internals ----------------------------------------------------------------------------------------

    def _end_file(self) -> None:
        current, self._current = self._current, None
        if current is None:
            return
        try:
            if current.handle is not None:
                current.handle.close()
            if current.error:
                self.results.append(UploadOutcome(current.filename, error=current.error))
            elif current.stored:
                self._queue(Verified(current.dataset, current.filename, current.sha256, current.size, None, None, True))
            elif current.received < current.size:
                self.results.append(
                    UploadOutcome(
                        current.filename,
                        error=f"incomplete: {current.received} of {current.size} bytes arrived; "
                        f"resume from offset {current.received}",
                    )
                )
            else:
                self._verify(current)
        finally:
            current.release()

    def _verify(self, current: _File) -> None:
        try:
            path = self.staging.claim(current.sha256)  # under the lock: from here on, this upload's own file
        except FileNotFoundError:  # removed from outside the backend while it was received
            self.results.append(
                UploadOutcome(current.filename, error="the bytes received were removed from the backend's "
                              "staging folder: upload it again from offset 0")
            )  # fmt: skip
            return
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != current.sha256:
            path.unlink(missing_ok=True)
            self.results.append(
                UploadOutcome(
                    current.filename,
                    error=f"checksum mismatch: the bytes received hash to {actual}, not {current.sha256}; "
                    "nothing was stored (upload it again from offset 0)",
                )
            )
            return
        try:
            probe = probe_bytes(data)
            existed = self.store_file(path, current.sha256, probe.format)
        except (UnusableImage, OmniError) as error:
            path.unlink(missing_ok=True)
            self.results.append(UploadOutcome(current.filename, error=str(error)))
            return
        except BaseException:
            path.unlink(missing_ok=True)  # the stream fails; its bytes are not left behind
            raise
        self._queue(Verified(current.dataset, current.filename, current.sha256, current.size, probe, path, existed))

    def _queue(self, verified: Verified) -> None:
        self.results.append(None)  # filled in when registered, so results keep the stream's order
        self._pending.append((len(self.results) - 1, verified))
        if len(self._pending) >= REGISTER_EVERY:
            self._register()

    def _register(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            outcomes = self.register([verified for _, verified in pending])
            for (slot, _), outcome in zip(pending, outcomes, strict=True):
                self.results[slot] = outcome
        finally:  # registered or not, the claimed files were this stream's alone
            for _, verified in pending:
                if verified.source is not None:
                    verified.source.unlink(missing_ok=True)
