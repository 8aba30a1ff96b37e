"""Uploading image files to a dataset: chunked, checksummed, resumable (``Connection.upload_images``).

Files go in streams of at most ``FILES_PER_STREAM`` files / ``BYTES_PER_STREAM`` bytes, so a dropped
connection costs one stream. Before each file the backend is asked what it holds already
(``GetUploadOffset``): bytes it has stored are not sent at all, a partial upload continues where it stopped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.client.errors import BackendError
from desktop.client.retry import TRANSIENT_CODES, Reconnect
from protos.omni.v1 import datasets_pb2

if TYPE_CHECKING:
    from desktop.client.connection import Connection

CHUNK_BYTES = 1 << 20
FILES_PER_STREAM = 256
BYTES_PER_STREAM = 256 << 20


@dataclass(frozen=True)
class LocalFile:
    path: Path
    filename: str
    sha256: str
    size: int


def describe(path: Path, filename: str) -> LocalFile:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return LocalFile(path, filename.replace("\\", "/"), digest.hexdigest(), size)


def _batches(files: list[tuple[int, LocalFile]]) -> Iterator[list[tuple[int, LocalFile]]]:
    batch: list[tuple[int, LocalFile]] = []
    size = 0
    for index, file in files:
        if batch and (len(batch) >= FILES_PER_STREAM or size + file.size > BYTES_PER_STREAM):
            yield batch
            batch, size = [], 0
        batch.append((index, file))
        size += file.size
    if batch:
        yield batch


def _chunks(connection: Connection, dataset: str, batch: list[LocalFile]) -> Iterator[datasets_pb2.UploadChunk]:
    for file in batch:
        held = connection._call(
            connection.datasets.GetUploadOffset, datasets_pb2.GetUploadOffsetRequest(sha256=file.sha256)
        )
        offset = file.size if held.complete else min(held.offset, file.size)
        header = datasets_pb2.UploadHeader(
            dataset=dataset, filename=file.filename, sha256=file.sha256, size_bytes=file.size, offset=offset
        )
        yield datasets_pb2.UploadChunk(header=header)
        if held.complete:
            continue
        with file.path.open("rb") as handle:
            handle.seek(offset)
            while chunk := handle.read(CHUNK_BYTES):
                yield datasets_pb2.UploadChunk(data=chunk)


def upload_batches(
    connection: Connection, dataset: str, files: list[tuple[Path, str]], *, reconnect: Reconnect | None = None
) -> list[datasets_pb2.UploadResult]:
    """Upload ``files`` (path, name in the dataset); after a dropped connection each stream is sent again from
    what the backend already holds (``GetUploadOffset``), under the ``Reconnect`` policy."""
    reconnect = reconnect or Reconnect(codes=TRANSIENT_CODES | {"CANCELLED"})
    results: list[datasets_pb2.UploadResult | None] = [None] * len(files)
    readable: list[tuple[int, LocalFile]] = []
    for index, (path, filename) in enumerate(files):
        try:
            readable.append((index, describe(Path(path), filename)))
        except OSError as error:
            results[index] = datasets_pb2.UploadResult(filename=filename, error=f"cannot read it: {error.strerror}")
    for batch in _batches(readable):
        timeout = 60.0 + sum(f.size for _, f in batch) / 1e6  # at least 1 MB/s
        while True:
            try:
                chunks = _chunks(connection, dataset, [f for _, f in batch])
                reply = connection._call(connection.datasets.UploadImages, chunks, timeout)
                reconnect.progressed()
                break
            except BackendError as error:
                if not reconnect.again(error):
                    raise
        for (index, _), result in zip(batch, reply.results, strict=False):
            results[index] = result
    return [r or datasets_pb2.UploadResult(filename=files[i][1], error="no answer") for i, r in enumerate(results)]
