"""Datasets through the remote: images content-addressed (the same bytes once), annotations, statuses and the
locked class table, between two real backends and a real SeaweedFS."""

from __future__ import annotations

from pathlib import Path

from desktop.client import Connection
from protos.omni.v1 import datasets_pb2, storage_pb2
from tests.backend.datasets.test_datasets_rpc import DONE, add_images
from tests.backend.sync.conftest import SUCCEEDED, Side


def _boxes(client: Connection, dataset: str) -> dict[str, tuple[int, list[tuple[int, float]]]]:
    out = {}
    for image in client.list_images(dataset).images:
        notes = client.get_annotations(dataset, image.image_id)
        out[image.filename] = (int(image.status), [(box.class_id, round(box.x_center, 6)) for box in notes.boxes])
    return out


def test_a_dataset_travels_whole(remote_pair: tuple[Side, Side]) -> None:
    a, b = remote_pair
    a.client.create_dataset("rust-photos", ["dent", "rust"])
    ids = add_images(a.backend, "rust-photos", 5)
    a.client.save_annotations("rust-photos", ids[0], base_revision=0, boxes=[(1, 0.5, 0.5, 0.2, 0.2)], status=DONE)
    a.client.update_classes("rust-photos", [datasets_pb2.ClassChange(add="scratch")])
    a.client.create_dataset("same-bytes", ["dent"])
    add_images(a.backend, "same-bytes", 3)  # the first three images of the other dataset, byte for byte

    located = {d.name: d.location for d in a.client.list_datasets(include_remote=True)}
    assert located == {"rust-photos": storage_pb2.LOCATION_LOCAL, "same-bytes": storage_pb2.LOCATION_LOCAL}
    pushed = a.sync("push", datasets=["rust-photos", "same-bytes"])
    assert pushed.state == SUCCEEDED, pushed.message
    assert pushed.outputs["objects_to_move"] == "7"  # 5 distinct images + 2 snapshots: shared bytes go once

    seen = {d.name: (d.location, d.image_count, d.box_count) for d in b.client.list_datasets(include_remote=True)}
    assert seen == {
        "rust-photos": (storage_pb2.LOCATION_REMOTE, 5, 1),
        "same-bytes": (storage_pb2.LOCATION_REMOTE, 3, 0),
    }
    pulled = b.sync("pull", datasets=["rust-photos"])
    assert pulled.state == SUCCEEDED, pulled.message
    assert _boxes(b.client, "rust-photos") == _boxes(a.client, "rust-photos")
    assert [c.name for c in b.client.get_dataset("rust-photos").classes] == ["dent", "rust", "scratch"]
    image = b.client.get_image("rust-photos", ids[0])
    assert image.data == a.client.get_image("rust-photos", ids[0]).data
    after = {d.name: d.location for d in b.client.list_datasets(include_remote=True)}
    assert after == {"rust-photos": storage_pb2.LOCATION_BOTH, "same-bytes": storage_pb2.LOCATION_REMOTE}

    # B annotates: the datasets differ now, and a pull does not overwrite B's work
    b.client.save_annotations("rust-photos", ids[1], base_revision=0, boxes=[(0, 0.3, 0.3, 0.1, 0.1)])
    assert {d.name: d.location for d in b.client.list_datasets(include_remote=True)}["rust-photos"] == (
        storage_pb2.LOCATION_DIFFERS
    )
    kept = b.sync("pull", datasets=["rust-photos"])
    assert kept.state == SUCCEEDED and kept.outputs["different"] == "1"
    assert len(b.client.get_annotations("rust-photos", ids[1]).boxes) == 1
    # B pushes with --overwrite; A pulls it with --overwrite and sees B's box
    from protos.omni.v1 import jobs_pb2
    from tests.helpers import wait_for_state

    spec = storage_pb2.SyncSpec(selection=storage_pb2.SyncSelection(datasets=["rust-photos"]), overwrite=True)
    assert wait_for_state(b.client, b.client.submit(jobs_pb2.JobSpec(sync_push=spec)).id).state == SUCCEEDED
    assert wait_for_state(a.client, a.client.submit(jobs_pb2.JobSpec(sync_pull=spec)).id).state == SUCCEEDED
    assert _boxes(a.client, "rust-photos") == _boxes(b.client, "rust-photos")


def test_every_dataset_by_default(remote_pair: tuple[Side, Side], tmp_path: Path) -> None:
    a, b = remote_pair
    a.client.create_dataset("one", ["dent"])
    add_images(a.backend, "one", 2)
    assert a.sync("push").state == SUCCEEDED
    assert b.sync("pull").state == SUCCEEDED
    assert [d.name for d in b.client.list_datasets()] == ["one"]
    assert b.client.sync_status().different == 0
