"""Writing outputs so that a file at its final name is always whole, and telling whole outputs (which a
resumed run skips) from anything else. Light imports: the client of a remote run writes with this too."""

from __future__ import annotations

import errno
import os
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from omni_core.errors import ResourceExhausted
from omni_core.partial import TEMP_SUFFIX

#: errors after which no other output can be written either: the run stops instead of failing every file
FATAL_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


class DiskFull(ResourceExhausted):
    """OUT cannot take more data (full, over quota or read-only); the run stops with this message."""


Opener = Callable[[Path], tuple[BinaryIO, Path]]


def _temp_file(target: Path) -> tuple[BinaryIO, Path]:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    os.close(fd)
    return Path(name).open("wb"), Path(name)  # opened by name: writers may use ``handle.name``


def write_atomic(target: Path, data: bytes | Callable[[BinaryIO], object], *, opener: Opener = _temp_file) -> int:
    """Write ``data`` (bytes, or a function writing into the file) to a hidden temporary file beside
    ``target``, fsync it, then rename it over ``target``; returns the size written.

    On any error the temporary file is removed, so ``target`` is either absent, the old file, or the whole
    new one. A full disk (or quota, or read-only file system) raises DiskFull.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp: Path | None = None
    try:
        handle, temp = opener(target)
        with handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        size = temp.stat().st_size
        os.replace(temp, target)
        temp = None
    except OSError as error:
        if error.errno in FATAL_WRITE_ERRORS:
            raise DiskFull(f"out: cannot write {target}: {error.strerror or error}") from error
        raise
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)
    return size


def remove_partials(out: Path) -> int:
    """Delete temporary files an interrupted run left in ``out`` (only ours, by their name)."""
    removed = 0
    if not out.is_dir():
        return 0
    for path in out.rglob(f".*{TEMP_SUFFIX}*"):  # also the encoder's ``<temporary>.png`` beside it
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _ends_whole(path: Path, size: int) -> bool:
    """A cheap check that the file was not cut short: PNG ends with IEND, JPEG with EOI, WebP/BMP/TIFF
    files are at least as long as their headers say (TIFF only by its header's presence)."""
    with path.open("rb") as handle:
        head = handle.read(16)
        handle.seek(max(0, size - 12))
        tail = handle.read(12)
    if head.startswith(b"\x89PNG"):
        return tail[4:8] == b"IEND"
    if head.startswith(b"\xff\xd8"):
        return tail.rstrip(b"\x00")[-2:] == b"\xff\xd9"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return size >= struct.unpack("<I", head[4:8])[0] + 8
    if head[:2] == b"BM":
        return size >= struct.unpack("<I", head[2:6])[0]
    return head[:4] in (b"II*\x00", b"MM\x00*")


def is_complete(output: Path, input_path: Path) -> bool:
    """Whether ``output`` is a finished restoration of ``input_path``: whole, not older than the input,
    and of the input's size (so an input that changed since, or one that cannot be read, is redone)."""
    from omni_core.batch.probe import UnreadableImage, probe

    try:
        stat = output.stat()
        if not output.is_file() or stat.st_size == 0 or stat.st_mtime < input_path.stat().st_mtime:
            return False
        return _ends_whole(output, stat.st_size) and probe(output) == probe(input_path)
    except (OSError, UnreadableImage):
        return False
