"""The Artifacts service: list and read objects of the artifact store (chunked, with a checksum)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from itertools import islice

import grpc

from backend.rpc.convert import timestamp
from backend.storage.base import ArtifactStore, validate_key
from omni_core.errors import InvalidArgument
from protos.omni.v1 import artifacts_pb2, artifacts_pb2_grpc

CHUNK_BYTES = 1 << 20


class ArtifactsServicer(artifacts_pb2_grpc.ArtifactsServicer):
    def __init__(self, store: ArtifactStore) -> None:
        self.store = store

    def ListArtifacts(
        self, request: artifacts_pb2.ListArtifactsRequest, context: grpc.ServicerContext
    ) -> artifacts_pb2.ListArtifactsResponse:
        if request.limit < 0:
            raise InvalidArgument("limit", "must not be negative")
        items = islice(self.store.list(request.prefix), request.limit or 1000)
        return artifacts_pb2.ListArtifactsResponse(
            artifacts=[
                artifacts_pb2.ArtifactInfo(
                    key=info.key, size_bytes=info.size, sha256=info.sha256, modified=timestamp(info.modified)
                )
                for info in items
            ]
        )

    def ReadArtifact(
        self, request: artifacts_pb2.ReadArtifactRequest, context: grpc.ServicerContext
    ) -> Iterator[artifacts_pb2.ArtifactChunk]:
        data = self.store.get_bytes(validate_key(request.key))
        digest = hashlib.sha256(data).hexdigest()
        total = len(data)
        for offset in range(0, max(total, 1), CHUNK_BYTES):
            last = offset + CHUNK_BYTES >= total
            yield artifacts_pb2.ArtifactChunk(
                data=data[offset : offset + CHUNK_BYTES],
                offset=offset,
                total_bytes=total,
                sha256=digest if last else "",
            )
