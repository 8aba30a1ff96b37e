"""Uploads over a real loopback server: chunks, resuming after a dropped stream, checksums, duplicates."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from backend.rpc.server import Backend
from desktop.client import Connection
from protos.omni.v1 import datasets_pb2
from tests.backend.conftest import TOKEN
from tests.omni_core.formats.samples import image_bytes, write_bad_files, write_image

CHUNK = 1 << 20


def big_png(path: Path) -> bytes:
    data = image_bytes((900, 600), seed=7)  # noise compresses badly: about 1.6 MB
    assert len(data) > 1.5 * CHUNK
    path.write_bytes(data)
    return data


def stored_images(backend: Backend) -> list[str]:
    return [info.key for info in backend.workspace.store.list("training-data/images")]


def test_upload_in_chunks_and_duplicates_are_stored_once(backend: Backend, client: Connection, tmp_path: Path) -> None:
    client.create_dataset("a")
    client.create_dataset("b")
    data = big_png(tmp_path / "big.png")
    write_image(tmp_path / "small.jpg", seed=2)
    (first, small) = client.upload_images(
        "a", [(tmp_path / "big.png", "photos/big.png"), (tmp_path / "small.jpg", "small.jpg")]
    )
    assert first.image_id == hashlib.sha256(data).hexdigest() and not first.error and not first.duplicate
    assert small.image_id and not small.error
    (again,) = client.upload_images("b", [(tmp_path / "big.png", "other-name.png")])
    assert again.image_id == first.image_id and again.duplicate
    (same,) = client.upload_images("a", [(tmp_path / "big.png", "photos/big.png")])
    assert same.image_id == first.image_id  # already in the dataset: nothing changes
    assert len(stored_images(backend)) == 2
    assert client.get_dataset("a").image_count == 2 and client.get_dataset("b").image_count == 1
    page = client.list_images("a")
    assert next((i.filename, i.width, i.height, i.size_bytes) for i in page.images) == (
        "photos/big.png",
        900,
        600,
        len(data),
    )
    client.delete_dataset("a")  # bytes the other dataset holds stay; the rest go
    assert len(stored_images(backend)) == 1
    assert client.get_image("b", first.image_id).data == data


def test_a_dropped_upload_resumes_from_the_offset_the_backend_holds(
    backend: Backend, client: Connection, tmp_path: Path
) -> None:
    client.create_dataset("ds")
    data = big_png(tmp_path / "big.png")
    sha = hashlib.sha256(data).hexdigest()

    def dropping() -> Iterator[datasets_pb2.UploadChunk]:
        header = datasets_pb2.UploadHeader(dataset="ds", filename="big.png", sha256=sha, size_bytes=len(data))
        yield datasets_pb2.UploadChunk(header=header)
        yield datasets_pb2.UploadChunk(data=data[:CHUNK])
        _wait_for_offset(client, sha, CHUNK)  # the backend has it: now the connection drops
        raise ConnectionError("the network went away")

    with pytest.raises(grpc.RpcError):
        client.datasets.UploadImages(dropping(), metadata=(("authorization", f"Bearer {TOKEN}"),), timeout=10)
    held = _wait_for_offset(client, sha, CHUNK)
    assert (held.offset, held.complete) == (CHUNK, False)
    assert client.get_dataset("ds").image_count == 0  # not visible until verified
    (result,) = client.upload_images("ds", [(tmp_path / "big.png", "big.png")])
    assert result.image_id == sha and not result.error
    assert client.datasets.GetUploadOffset(
        datasets_pb2.GetUploadOffsetRequest(sha256=sha), metadata=(("authorization", f"Bearer {TOKEN}"),)
    ).complete
    assert client.get_image("ds", sha).data == data


def _wait_for_offset(client: Connection, sha: str, offset: int) -> datasets_pb2.GetUploadOffsetResponse:
    from tests.helpers import wait_for

    request = datasets_pb2.GetUploadOffsetRequest(sha256=sha)
    metadata = (("authorization", f"Bearer {TOKEN}"),)
    return wait_for(  # type: ignore[no-any-return]
        lambda: (r := client.datasets.GetUploadOffset(request, metadata=metadata)).offset >= offset and r,
        timeout=10,
        what="the partial upload",
    )


def test_checksum_mismatch_and_bad_files_are_refused(backend: Backend, client: Connection, tmp_path: Path) -> None:
    client.create_dataset("ds")
    data = image_bytes(seed=3)
    wrong = hashlib.sha256(b"something else").hexdigest()
    chunks = [
        datasets_pb2.UploadChunk(
            header=datasets_pb2.UploadHeader(dataset="ds", filename="x.png", sha256=wrong, size_bytes=len(data))
        ),
        datasets_pb2.UploadChunk(data=data),
    ]
    metadata = (("authorization", f"Bearer {TOKEN}"),)
    (result,) = client.datasets.UploadImages(iter(chunks), metadata=metadata).results
    assert "checksum mismatch" in result.error and not result.image_id
    assert client.get_dataset("ds").image_count == 0 and not stored_images(backend)
    assert (
        client.datasets.GetUploadOffset(datasets_pb2.GetUploadOffsetRequest(sha256=wrong), metadata=metadata).offset
        == 0
    )
    bad = write_bad_files(tmp_path / "bad")
    results = client.upload_images("ds", [(tmp_path / "bad" / name, name) for name in bad])
    assert all(r.error and not r.image_id for r in results)
    assert [r.error.split(" ")[0] for r in results] == ["size_bytes:", "corrupt", "not", "not"]
    assert client.get_dataset("ds").image_count == 0


def test_upload_to_a_missing_dataset_is_not_found(client: Connection, tmp_path: Path) -> None:
    from desktop.client import BackendError

    write_image(tmp_path / "a.png")
    with pytest.raises(BackendError) as caught:
        client.upload_images("nope", [(tmp_path / "a.png", "a.png")])
    assert caught.value.code == "NOT_FOUND"
