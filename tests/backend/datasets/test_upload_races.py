"""Many uploads of the same bytes at the same moment (two annotators, a retry) through a real backend:
under other names and under the same name, into one dataset and into two. Every upload ends with a result
that says what happened (never an RPC error: the same bytes are one image of a dataset, and every upload
answers with it), the datasets end consistent and no staging file is left."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc

from backend.rpc.server import Backend
from desktop.client import Connection
from desktop.client.retry import Reconnect
from protos.omni.v1 import datasets_pb2
from tests.backend.conftest import TOKEN
from tests.omni_core.formats.samples import image_bytes

METADATA = (("authorization", f"Bearer {TOKEN}"),)
CHUNK = 64 << 10
UPLOADS = 12


def _upload(client: Connection, dataset: str, filename: str, data: bytes, start: threading.Barrier) -> object:
    """One raw ``UploadImages`` stream (no client retry that could hide an INTERNAL); the result or the error."""
    sha = hashlib.sha256(data).hexdigest()

    def chunks() -> Iterator[datasets_pb2.UploadChunk]:
        header = datasets_pb2.UploadHeader(dataset=dataset, filename=filename, sha256=sha, size_bytes=len(data))
        yield datasets_pb2.UploadChunk(header=header)
        start.wait(timeout=30)  # every stream has sent its header: now the bytes race
        for offset in range(0, len(data), CHUNK):
            yield datasets_pb2.UploadChunk(data=data[offset : offset + CHUNK])

    try:
        (result,) = client.datasets.UploadImages(chunks(), metadata=METADATA, timeout=120).results
        return result
    except grpc.RpcError as error:
        return error


def _race(backend: Backend, jobs: list[tuple[str, str]], data: bytes | list[bytes]) -> list[object]:
    start = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)
    connections = [connect_to(backend) for _ in jobs]

    def run(index: int) -> None:
        dataset, filename = jobs[index]
        content = data[index] if isinstance(data, list) else data
        results[index] = _upload(connections[index], dataset, filename, content, start)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    for connection in connections:
        connection.close()
    return results


def connect_to(backend: Backend) -> Connection:
    from desktop.client.connection import BackendTarget

    return Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN))


def _staging_left(backend: Backend) -> list[str]:
    folder = backend.workspace.state_dir / "uploads"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def test_same_bytes_under_many_names_at_once(backend: Backend, client: Connection, tmp_path: Path) -> None:
    client.create_dataset("a")
    client.create_dataset("b")
    data = image_bytes((700, 500), seed=11)  # several chunks, so the streams overlap
    sha = hashlib.sha256(data).hexdigest()
    jobs = [("a" if n % 2 else "b", f"photo-{n}.png") for n in range(UPLOADS)]
    results = _race(backend, jobs, data)
    errors = [r for r in results if not isinstance(r, datasets_pb2.UploadResult)]
    assert not errors, [f"{e.code()}: {e.details()}" for e in errors]  # type: ignore[attr-defined]
    # one image per content in a dataset: each upload answers with it (the first name to commit wins)
    assert all(r.image_id == sha and not r.error for r in results), results  # type: ignore[attr-defined]
    for dataset in ("a", "b"):
        assert client.get_dataset(dataset).image_count == 1
        (image,) = client.list_images(dataset).images
        assert (dataset, image.filename) in jobs
        assert client.get_image(dataset, sha).data == data
    stored = [info.key for info in backend.workspace.store.list("training-data/images")]
    assert len(stored) == 1 and sha in stored[0]
    assert _staging_left(backend) == []


def test_same_bytes_under_the_same_name_at_once(backend: Backend, client: Connection) -> None:
    """A retry that overlaps the first attempt: both say the image is there, under that one name."""
    client.create_dataset("a")
    data = image_bytes((640, 480), seed=12)
    sha = hashlib.sha256(data).hexdigest()
    results = _race(backend, [("a", "same.png")] * UPLOADS, data)
    errors = [r for r in results if not isinstance(r, datasets_pb2.UploadResult)]
    assert not errors, [f"{e.code()}: {e.details()}" for e in errors]  # type: ignore[attr-defined]
    assert all(r.image_id == sha and not r.error for r in results), results  # type: ignore[attr-defined]
    assert client.get_dataset("a").image_count == 1
    assert client.get_image("a", sha).data == data
    assert _staging_left(backend) == []


def test_other_bytes_under_the_same_name_at_once(backend: Backend, client: Connection) -> None:
    """Two annotators name different photos alike: the first to commit keeps the name, the others are told."""
    client.create_dataset("a")
    photos = [image_bytes((320, 240), seed=100 + n) for n in range(UPLOADS)]
    results = _race(backend, [("a", "same.png")] * UPLOADS, photos)
    errors = [r for r in results if not isinstance(r, datasets_pb2.UploadResult)]
    assert not errors, [f"{e.code()}: {e.details()}" for e in errors]  # type: ignore[attr-defined]
    added = [r for r in results if not r.error]  # type: ignore[attr-defined]
    assert len(added) == 1
    refused = [r.error for r in results if r.error]  # type: ignore[attr-defined]
    assert refused == ["another image named 'same.png' is in the dataset already"] * (UPLOADS - 1)
    (image,) = client.list_images("a").images
    assert image.filename == "same.png" and image.image_id == added[0].image_id  # type: ignore[attr-defined]
    by_sha = {hashlib.sha256(photo).hexdigest(): photo for photo in photos}
    assert client.get_image("a", image.image_id).data == by_sha[image.image_id]
    assert _staging_left(backend) == []


def test_desktop_clients_resuming_from_each_other_s_offset(
    backend: Backend, client: Connection, tmp_path: Path
) -> None:
    """The desktop client asks GetUploadOffset first: a second client may be told the offset of the
    first one's partial file, which is claimed and gone when its turn comes; the bytes are stored then."""
    client.create_dataset("a")
    data = image_bytes((900, 600), seed=13)
    (tmp_path / "photo.png").write_bytes(data)
    start = threading.Barrier(UPLOADS)
    results: list[object] = [None] * UPLOADS

    def run(index: int) -> None:
        with connect_to(backend) as connection:
            start.wait(timeout=30)
            try:
                results[index] = connection.upload_images(
                    "a", [(tmp_path / "photo.png", f"p{index}.png")], reconnect=Reconnect(codes=frozenset())
                )
            except Exception as error:  # the test lists every failure
                results[index] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(UPLOADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    sha = hashlib.sha256(data).hexdigest()
    assert all(isinstance(r, list) and r[0].image_id == sha and not r[0].error for r in results), results
    assert client.get_dataset("a").image_count == 1
    assert _staging_left(backend) == []


def test_stale_staging_files_are_removed_when_staging_opens(tmp_path: Path) -> None:
    import os
    import time

    from backend.datasets.uploads import STALE_PART_S, STALE_READY_S, Staging

    folder = tmp_path / "uploads"
    folder.mkdir()
    now = time.time()
    ages = {"old.part": STALE_PART_S + 60, "recent.part": 60, "old.x.ready": STALE_READY_S + 60, "new.x.ready": 60}
    for name, age in ages.items():
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (now - age, now - age))
    Staging(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["new.x.ready", "recent.part"]
