"""The storage interface every artifact goes through.

Keys are ``/``-separated relative names (``synthetic-data/run1/clean/0001.png``). Nothing above this
interface may assume a key is a file on disk: the S3 implementation has none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from omni_core.errors import InvalidArgument, shown

# The prefixes of the first version of this system's buckets; a workspace is laid out with them.
WORKSPACE_PREFIXES = (
    "training-data/clean/",
    "training-data/degraded/",
    "models/layer_1/",
    "models/layer_2/",
    "models/detector/",
    "training-outputs/checkpoints/",
    "training-outputs/analysis/",
    "training-outputs/reports/",
    "synthetic-data/",
    "evaluation/",
)

CHUNK_SIZE = 1 << 20


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str
    modified: float  # seconds since the epoch


class ArtifactStore(Protocol):
    """put/get/list/delete/stat over keys; every put is atomic and returns the stored checksum."""

    def put_bytes(self, key: str, data: bytes, *, expected_sha256: str | None = None) -> ObjectInfo: ...

    def put_file(self, key: str, path: Path, *, expected_sha256: str | None = None) -> ObjectInfo: ...

    def put_stream(self, key: str, stream: BinaryIO, *, expected_sha256: str | None = None) -> ObjectInfo: ...

    def get_bytes(self, key: str) -> bytes: ...

    def get_file(self, key: str, dest: Path) -> ObjectInfo: ...

    def stat(self, key: str) -> ObjectInfo: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]: ...

    def keys(self, prefix: str = "") -> Iterator[str]:
        """The keys under ``prefix`` without their checksums (cheap: no read, no request per object)."""
        ...

    def delete(self, key: str) -> None: ...

    def describe(self) -> str: ...


def validate_key(key: str, *, field: str = "key") -> str:
    """Return ``key`` if it is a clean relative key, else raise InvalidArgument naming ``field``.

    Refused: empty keys, absolute keys, backslashes, ``.``/``..`` segments, empty segments and hidden
    segments (``.omni`` holds the backend's own state).
    """
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise InvalidArgument(field, f"invalid key {shown(key)}")
    for part in key.rstrip("/").split("/"):
        if part in ("", ".", "..") or part.startswith("."):
            raise InvalidArgument(field, f"invalid key {shown(key)}: segment {shown(part)} is not allowed")
    return key


def validate_prefix(prefix: str) -> str:
    if prefix == "":
        return prefix
    return validate_key(prefix, field="prefix")


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def check_digest(key: str, actual: str, expected: str | None) -> None:
    """Refuse bytes whose SHA-256 is not the one the caller expected (nothing is stored then)."""
    if expected is not None and actual != expected.lower():
        raise InvalidArgument("sha256", f"checksum mismatch for {shown(key)}: expected {expected}, got {actual}")
