"""A restore stream whose later messages the request check refuses: the call ends with that status (the
messages are read on a thread of their own, which must not die silently and leave the call hanging)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from backend.rpc.server import Backend
from protos.omni.v1 import batch_pb2, batch_pb2_grpc
from tests.backend.batch.conftest import register
from tests.backend.conftest import TOKEN


def test_a_chunk_beyond_a_limit_after_start_ends_the_call_with_invalid_argument(
    backend: Backend, tiny_onnx: Path
) -> None:
    register(backend.workspace.root, tiny_onnx)

    def requests() -> Iterator[batch_pb2.RestoreStreamRequest]:
        yield batch_pb2.RestoreStreamRequest(start=batch_pb2.RestoreStreamStart(layer=1))
        yield batch_pb2.RestoreStreamRequest(chunk=batch_pb2.ImageChunk(id="i" * 5000, data=b"x", last=True))

    with grpc.insecure_channel(f"127.0.0.1:{backend.port}") as channel:
        call = batch_pb2_grpc.BatchStub(channel).RestoreStream(
            requests(), metadata=(("authorization", f"Bearer {TOKEN}"),), timeout=60
        )
        with pytest.raises(grpc.RpcError) as caught:
            list(call)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
    assert caught.value.details() == "chunk.id: 5000 characters, at most 4096"
