"""The Datasets service over a real loopback server: datasets, classes, paging, saving, conflicts, stats."""

from __future__ import annotations

import hashlib

import pytest

from backend.datasets.records import NewImage
from backend.datasets.service import DatasetService
from backend.rpc.server import Backend
from desktop.client import BackendError, Connection
from omni_core.formats.images import probe_bytes
from protos.omni.v1 import datasets_pb2
from tests.omni_core.formats.samples import image_bytes

TODO, DONE, REVIEW = datasets_pb2.IMAGE_STATUS_TODO, datasets_pb2.IMAGE_STATUS_DONE, datasets_pb2.IMAGE_STATUS_REVIEW


def add_images(backend: Backend, dataset: str, count: int, size: tuple[int, int] = (16, 12)) -> list[str]:
    """``count`` distinct small images added through the service (fast), in position order; their ids."""
    service = DatasetService.for_workspace(backend.workspace)
    items = []
    for i in range(count):
        data = image_bytes(size, seed=i)
        sha = hashlib.sha256(data).hexdigest()
        probe = probe_bytes(data)
        service.blobs.put_bytes(data, sha, probe.format)
        items.append(NewImage(sha, f"img_{count - i:04d}.png", probe, len(data), None))
    service.add_images(dataset, items)
    return [item.sha256 for item in items]


def code_of(call: object) -> str:
    with pytest.raises(BackendError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_create_list_get_delete(client: Connection) -> None:
    created = client.create_dataset("parts")
    assert [c.name for c in created.classes] == ["dent", "dirt", "rust", "scratch", "spoiled", "mold"]
    assert [c.id for c in created.classes] == [0, 1, 2, 3, 4, 5]
    client.create_dataset("cracks-v1.2", ["crack", "hole"])
    assert [d.name for d in client.list_datasets()] == ["cracks-v1.2", "parts"]
    assert client.get_dataset("cracks-v1.2").images_by_status["todo"] == 0
    assert code_of(lambda: client.create_dataset("parts")) == "ALREADY_EXISTS"
    assert code_of(lambda: client.create_dataset("bad name!")) == "INVALID_ARGUMENT"
    assert code_of(lambda: client.create_dataset("x", ["a", "a"])) == "INVALID_ARGUMENT"
    client.delete_dataset("parts")
    assert [d.name for d in client.list_datasets()] == ["cracks-v1.2"]
    assert code_of(lambda: client.get_dataset("parts")) == "NOT_FOUND"
    assert code_of(lambda: client.delete_dataset("parts")) == "NOT_FOUND"


def test_the_class_table_is_locked(backend: Backend, client: Connection) -> None:
    client.create_dataset("ds", ["dent", "rust", "mold"])
    (image,) = add_images(backend, "ds", 1)
    client.save_annotations("ds", image, base_revision=0, boxes=[(1, 0.5, 0.5, 0.2, 0.2)])
    renamed = client.update_classes("ds", [("rename", 1, "corrosion"), ("add", "crack")])
    assert [(c.id, c.name) for c in renamed.classes] == [(0, "dent"), (1, "corrosion"), (2, "mold"), (3, "crack")]
    with pytest.raises(BackendError) as caught:
        client.update_classes("ds", [("delete", 1)])
    assert caught.value.code == "FAILED_PRECONDITION" and "used by 1 boxes on 1 images" in caught.value.message
    # all or nothing: the add before the refused delete did not happen
    assert code_of(lambda: client.update_classes("ds", [("add", "x"), ("delete", 1)])) == "FAILED_PRECONDITION"
    assert [c.name for c in client.get_dataset("ds").classes] == ["dent", "corrosion", "mold", "crack"]
    after = client.update_classes("ds", [("delete", 2), ("add", "mold")])
    assert [(c.id, c.name, c.deleted) for c in after.classes][2:] == [
        (2, "mold", True),
        (3, "crack", False),
        (4, "mold", False),
    ]
    assert code_of(lambda: client.update_classes("ds", [("rename", 9, "x")])) == "NOT_FOUND"
    assert code_of(lambda: client.update_classes("ds", [("add", "crack")])) == "ALREADY_EXISTS"
    assert code_of(lambda: client.update_classes("ds", [("add", "  ")])) == "INVALID_ARGUMENT"
    # saves name classes by id: beyond the table, or deleted, is refused and nothing is saved
    for bad in (5, 2, -1):
        with pytest.raises(BackendError) as caught:
            client.save_annotations("ds", image, base_revision=1, boxes=[(bad, 0.5, 0.5, 0.2, 0.2)])
        assert caught.value.code == "INVALID_ARGUMENT" and "boxes[0]" in caught.value.message
    assert client.get_annotations("ds", image).revision == 1


def test_paging_status_filter_and_orders(backend: Backend, client: Connection) -> None:
    client.create_dataset("many")
    ids = add_images(backend, "many", 300)
    seen, token = [], ""
    while True:
        page = client.list_images("many", page_size=64, page_token=token)
        assert page.total == 300
        seen += [image.image_id for image in page.images]
        token = page.next_page_token
        if not token:
            break
    assert seen == ids
    assert [i.position for i in client.list_images("many", page_size=3).images] == [0, 1, 2]
    for k, image_id in enumerate(ids[:40]):
        status = DONE if k % 2 else REVIEW
        boxes = [(0, 0.5, 0.5, 0.1, 0.1, 0.9 - k / 100)] if k < 10 else []
        client.save_annotations("many", image_id, base_revision=0, boxes=boxes, status=status, editor="ann")
    done = client.list_images("many", status=DONE, page_size=7)
    assert done.total == 20 and len(done.images) == 7 and all(i.status == DONE for i in done.images)
    rest = client.list_images("many", status=DONE, page_size=100, page_token=done.next_page_token)
    assert len(rest.images) == 13 and not rest.next_page_token
    assert client.list_images("many", status=TODO).total == 260
    by_name = client.list_images("many", order_by="filename", page_size=5).images
    assert [i.filename for i in by_name] == [f"img_{n:04d}.png" for n in range(1, 6)]
    least_confident = client.list_images("many", order_by="confidence", page_size=3).images
    assert [i.image_id for i in least_confident] == [ids[9], ids[8], ids[7]]
    newest = client.list_images("many", order_by="updated", page_size=2).images
    assert [i.image_id for i in newest] == [ids[39], ids[38]] and newest[0].updated_by == "ann"
    info = client.list_images("many", page_size=1).images[0]
    assert (info.width, info.height, info.revision, info.box_count) == (16, 12, 1, 1)
    assert code_of(lambda: client.list_images("many", page_token="junk")) == "INVALID_ARGUMENT"
    token = client.list_images("many", page_size=2).next_page_token
    assert code_of(lambda: client.list_images("many", page_token=token, status=DONE)) == "INVALID_ARGUMENT"
    assert code_of(lambda: client.list_images("many", order_by="size")) == "INVALID_ARGUMENT"


def test_a_stale_save_is_refused_and_a_retry_is_answered(backend: Backend, client: Connection) -> None:
    client.create_dataset("ds")
    (image,) = add_images(backend, "ds", 1)
    first = client.save_annotations(
        "ds", image, base_revision=0, boxes=[(0, 0.5, 0.5, 0.2, 0.2)], status=DONE, editor="alice", client_edit_id="a1"
    )
    assert (first.revision, first.updated_by, first.status) == (1, "alice", DONE)
    retried = client.save_annotations(
        "ds", image, base_revision=0, boxes=[(0, 0.5, 0.5, 0.2, 0.2)], status=DONE, editor="alice", client_edit_id="a1"
    )
    assert retried == first  # answered from memory, not applied twice
    with pytest.raises(BackendError) as caught:
        client.save_annotations("ds", image, base_revision=0, boxes=[], editor="bob", client_edit_id="b1")
    assert caught.value.code == "ABORTED"
    assert "alice" in caught.value.message and "revision 1" in caught.value.message
    current = client.get_annotations("ds", image)
    assert (current.revision, len(current.boxes), current.updated_by) == (1, 1, "alice")  # nothing overwritten
    second = client.save_annotations("ds", image, base_revision=1, boxes=[], editor="bob", client_edit_id="b1")
    assert (second.revision, second.status, list(second.boxes)) == (2, DONE, [])  # status 0 keeps it
    suggestion = client.save_annotations("ds", image, base_revision=2, boxes=[(1, 0.5, 0.5, 0.2, 0.2, 0.25)])
    assert suggestion.boxes[0].HasField("confidence") and suggestion.boxes[0].confidence == pytest.approx(0.25)
    for box in [
        (0, 1.5, 0.5, 0.2, 0.2),
        (0, 0.95, 0.5, 0.2, 0.2),
        (0, 0.5, 0.5, 0.0, 0.2),
        (0, 0.5, 0.5, 0.2, 0.2, 2.0),
    ]:
        assert code_of(lambda box=box: client.save_annotations("ds", image, base_revision=3, boxes=[box])) == (
            "INVALID_ARGUMENT"
        )
    assert code_of(lambda: client.save_annotations("ds", "0" * 64, base_revision=0, boxes=[])) == "NOT_FOUND"


def test_stats(backend: Backend, client: Connection) -> None:
    client.create_dataset("ds", ["a", "b", "c"])
    ids = add_images(backend, "ds", 4)
    client.save_annotations("ds", ids[0], base_revision=0, boxes=[(0, 0.5, 0.5, 0.005, 0.005), (1, 0.5, 0.5, 0.5, 0.5)])
    client.save_annotations("ds", ids[1], base_revision=0, boxes=[(1, 0.5, 0.5, 1.0, 1.0)], status=DONE)
    stats = client.dataset_stats("ds")
    assert (stats.image_count, stats.box_count, stats.images_without_boxes) == (4, 3, 2)
    assert dict(stats.images_by_status) == {"todo": 3, "done": 1, "review": 0}
    assert dict(stats.boxes_by_class) == {"a": 1, "b": 2, "c": 0}
    histogram = [(b.low, b.high, b.count) for b in stats.box_size_histogram if b.count]
    assert histogram == [(0.0, 0.01, 1), (0.5, 0.75, 1), (0.75, 1.0, 1)]
    assert client.get_dataset("ds").box_count == 3
