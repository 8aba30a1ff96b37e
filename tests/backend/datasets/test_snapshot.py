"""Dataset snapshots: canonical bytes, a round trip into a second workspace, conflicts, overwrite, and refusing
malformed snapshots without writing anything. Two real workspaces, each with its own store and database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backend.datasets.catalog import ClassChange
from backend.datasets.records import NewImage, Status
from backend.datasets.service import DatasetService
from backend.datasets.snapshot import (
    CREATED,
    REPLACED,
    UNCHANGED,
    apply_snapshot,
    build_snapshot,
    parse_snapshot,
    snapshot_key,
)
from backend.workspace import Workspace
from omni_core.errors import Conflict, FailedPrecondition, InvalidArgument
from omni_core.formats.images import read_image_file
from omni_core.formats.model import Box
from tests.omni_core.formats.samples import write_image


def open_service(root: Path) -> DatasetService:
    workspace = Workspace(root)
    return DatasetService(workspace.store, workspace.state_dir)


def add(service: DatasetService, dataset: str, path: Path, filename: str, boxes: list[Box] | None = None) -> str:
    _, sha, probe = read_image_file(path)
    labelled = tuple(boxes) if boxes is not None else None
    service.add_images(dataset, [NewImage(sha, filename, probe, path.stat().st_size, path, labelled, editor="ann")])
    return sha


def make_dataset(service: DatasetService, files: Path) -> dict[str, str]:
    """Classes with a rename, a deletion and a late addition; boxes, a suggestion, every status; a rotated JPEG."""
    service.create_dataset("parts", ["dent", "rust", "scratch", "unused"])
    ids = {
        "a.png": add(service, "parts", write_image(files / "a.png", (64, 48), seed=1), "a.png"),
        "b.jpg": add(service, "parts", write_image(files / "b.jpg", (80, 40), orientation=6, seed=2), "sub/b.jpg"),
        "c.png": add(service, "parts", write_image(files / "c.png", (30, 60), seed=3), "c.png", []),
        "d.png": add(service, "parts", write_image(files / "d.png", (50, 50), seed=4), "d.png"),
    }
    service.update_classes(
        "parts", [ClassChange("rename", 1, "corrosion"), ClassChange("delete", 3), ClassChange("add", name="mold")]
    )
    service.save_annotations(
        "parts",
        ids["a.png"],
        base_revision=0,
        boxes=[Box(0, 0.5, 0.5, 0.25, 0.125), Box(4, 0.1, 0.2, 0.1 / 3, 0.2 / 7)],
        status=int(Status.DONE),
        editor="alice",
    )
    service.save_annotations(
        "parts", ids["b.jpg"], base_revision=0, boxes=[Box(1, 0.3, 0.4, 0.2, 0.2, 0.61)], status=int(Status.REVIEW)
    )
    return ids


def copy_blobs(source: DatasetService, target: DatasetService, keys: list[str]) -> None:
    for key in keys:
        target.blobs.store.put_bytes(key, source.blobs.store.get_bytes(key))


def everything(service: DatasetService, name: str) -> dict[str, Any]:
    """What the RPCs show of a dataset: classes, and per image its record and annotations."""
    record = service.get_dataset(name)
    images = {}
    for image in service.list_images(name, order_by="filename").images:
        notes = service.get_annotations(name, image.image_id)
        images[image.filename] = (
            image.image_id,
            image.width,
            image.height,
            image.size_bytes,
            notes.status,
            notes.revision,
            notes.boxes,
            notes.updated_at,
            notes.updated_by,
        )
    return {"classes": record.classes, "count": record.image_count, "boxes": record.box_count, "images": images}


@pytest.fixture
def here(tmp_path: Path) -> DatasetService:
    return open_service(tmp_path / "here")


@pytest.fixture
def there(tmp_path: Path) -> DatasetService:
    return open_service(tmp_path / "there")


def test_the_same_dataset_gives_the_same_bytes(here: DatasetService, there: DatasetService, tmp_path: Path) -> None:
    make_dataset(here, tmp_path / "files")
    data = build_snapshot(here, "parts").to_bytes()
    assert build_snapshot(here, "parts").to_bytes() == data
    assert build_snapshot(open_service(tmp_path / "here"), "parts").to_bytes() == data  # a fresh connection
    assert parse_snapshot(data).to_bytes() == data  # the encoding is canonical
    document = json.loads(data)
    assert (document["format"], document["version"], document["name"]) == ("omni.dataset-snapshot", 1, "parts")
    assert [(c["id"], c["name"], c["deleted"]) for c in document["classes"]] == [
        (0, "dent", False),
        (1, "corrosion", False),
        (2, "scratch", False),
        (3, "unused", True),
        (4, "mold", False),
    ]
    assert [i["filename"] for i in document["images"]] == ["a.png", "c.png", "d.png", "sub/b.jpg"]
    a, c, _, b = document["images"]
    assert (a["status"], a["revision"], a["updated_by"]) == ("done", 1, "alice")
    assert a["boxes"] == [[0, 0.5, 0.5, 0.25, 0.125], [4, 0.1, 0.2, 0.1 / 3, 0.2 / 7]]
    assert b["boxes"] == [[1, 0.3, 0.4, 0.2, 0.2, 0.61]] and (b["width"], b["height"], b["orientation"]) == (40, 80, 6)
    assert (c["status"], c["revision"], c["boxes"], c["updated_by"]) == ("todo", 1, [], "ann")
    assert a["key"] == f"training-data/images/{a['sha256'][:2]}/{a['sha256']}.png" and a["format"] == "png"
    snapshot = build_snapshot(here, "parts")
    assert snapshot.blob_keys() == sorted(i["key"] for i in document["images"])
    assert all(here.blobs.store.exists(key) for key in snapshot.blob_keys())
    assert snapshot_key("parts") == "training-data/datasets/parts.json"

    # the same unlabelled images added in another order, elsewhere: the same bytes
    for service, order in ((here, range(3)), (there, reversed(range(3)))):
        service.create_dataset("plain", ["x"])
        for i in order:
            add(service, "plain", write_image(tmp_path / f"p{i}.png", seed=10 + i), f"p{i}.png")
    assert build_snapshot(here, "plain").to_bytes() == build_snapshot(there, "plain").to_bytes()


def test_round_trip_into_a_second_workspace(here: DatasetService, there: DatasetService, tmp_path: Path) -> None:
    ids = make_dataset(here, tmp_path / "files")
    snapshot = build_snapshot(here, "parts")
    copy_blobs(here, there, snapshot.blob_keys())
    outcome = apply_snapshot(there, snapshot.to_bytes(), overwrite=False)
    assert (outcome.action, outcome.dataset, outcome.sha256) == (CREATED, "parts", snapshot.sha256)
    assert sorted(outcome.added) == ["a.png", "c.png", "d.png", "sub/b.jpg"]
    assert everything(there, "parts") == everything(here, "parts")
    assert build_snapshot(there, "parts").to_bytes() == snapshot.to_bytes()
    assert there.get_image("parts", ids["b.jpg"]).data == here.get_image("parts", ids["b.jpg"]).data
    assert there.stats("parts") == here.stats("parts")
    # the copy is a normal dataset: the locked ids hold, edits continue from the pulled revisions
    saved = there.save_annotations("parts", ids["d.png"], base_revision=0, boxes=[Box(4, 0.5, 0.5, 0.1, 0.1)])
    assert saved.revision == 1
    with pytest.raises(InvalidArgument, match="deleted"):
        there.save_annotations("parts", ids["d.png"], base_revision=1, boxes=[Box(3, 0.5, 0.5, 0.1, 0.1)])
    assert apply_snapshot(here, snapshot.to_bytes(), overwrite=False).action == UNCHANGED


def test_a_different_local_dataset_is_refused_then_overwritten(
    here: DatasetService, there: DatasetService, tmp_path: Path
) -> None:
    ids = make_dataset(here, tmp_path / "files")
    copy_blobs(here, there, build_snapshot(here, "parts").blob_keys())
    apply_snapshot(there, build_snapshot(here, "parts").to_bytes(), overwrite=False)
    # here: a new image and a renamed class; there: a newer edit of a.png and an image of its own
    add(here, "parts", write_image(tmp_path / "e.png", seed=5), "e.png", [Box(2, 0.5, 0.5, 0.5, 0.5)])
    here.update_classes("parts", [ClassChange("rename", 2, "scrape")])
    there.save_annotations("parts", ids["a.png"], base_revision=1, boxes=[], status=int(Status.REVIEW), editor="bob")
    own = add(there, "parts", write_image(tmp_path / "own.png", seed=6), "own.png")
    incoming = build_snapshot(here, "parts")
    local_sha = build_snapshot(there, "parts").sha256
    before = everything(there, "parts")

    with pytest.raises(Conflict) as refused:
        apply_snapshot(there, incoming.to_bytes(), overwrite=False)
    assert "'parts'" in refused.value.message
    assert local_sha in refused.value.message and incoming.sha256 in refused.value.message
    assert everything(there, "parts") == before

    with pytest.raises(FailedPrecondition, match=r"'e\.png'"):  # its bytes were not fetched yet
        apply_snapshot(there, incoming.to_bytes(), overwrite=True)
    assert everything(there, "parts") == before

    copy_blobs(here, there, incoming.blob_keys())
    outcome = apply_snapshot(there, incoming.to_bytes(), overwrite=True)
    assert (outcome.action, outcome.sha256, outcome.previous_sha256) == (REPLACED, incoming.sha256, local_sha)
    assert (outcome.added, outcome.removed, outcome.changed) == (("e.png",), ("own.png",), ("a.png",))
    assert outcome.newer_here == ("a.png",)  # bob's revision 2 was replaced by revision 1: said, not silent
    assert outcome.class_changes == ("renamed 2 'scratch' to 'scrape'",)
    assert "own.png" in str(outcome) and "1 local edits replaced" in str(outcome)
    assert everything(there, "parts") == everything(here, "parts")
    assert build_snapshot(there, "parts").to_bytes() == incoming.to_bytes()
    assert there.blobs.store.exists(f"training-data/images/{own[:2]}/{own}.png")  # the bytes are kept


def test_missing_or_corrupt_bytes_are_named_and_nothing_is_written(
    here: DatasetService, there: DatasetService, tmp_path: Path
) -> None:
    make_dataset(here, tmp_path / "files")
    snapshot = build_snapshot(here, "parts")
    keys = snapshot.blob_keys()
    copy_blobs(here, there, keys[1:])
    with pytest.raises(FailedPrecondition) as missing:
        apply_snapshot(there, snapshot.to_bytes(), overwrite=False)
    assert keys[0] in missing.value.message and "not in the local store" in missing.value.message
    there.blobs.store.put_bytes(keys[0], b"not the image")
    with pytest.raises(FailedPrecondition) as corrupt:
        apply_snapshot(there, snapshot.to_bytes(), overwrite=False)
    assert keys[0] in corrupt.value.message and "sha256" in corrupt.value.message
    assert there.find_dataset("parts") is None


def _edit(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set (or, with ``...``, delete) the field at a dotted path like ``images.0.boxes.0.1``."""

    def apply(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        index: Any = int(last) if isinstance(node, list) else last
        if value is ...:
            del node[index]
        else:
            node[index] = value

    return apply


MALFORMED = [
    ("version", _edit("version", 2), "not supported"),
    ("format", _edit("format", "something-else"), "not a dataset snapshot"),
    ("name", _edit("name", "a b"), "not a dataset name"),
    ("images", _edit("images", ...), "missing"),
    ("images[0].sha256", _edit("images.0.sha256", ...), "missing"),
    ("images[0].sha256", _edit("images.0.sha256", "ab" * 31), "SHA-256"),
    ("images[0].key", _edit("images.0.key", "training-data/../../etc/passwd"), "not where these bytes live"),
    ("images[0].boxes[0]", _edit("images.0.boxes.0.0", 9), "beyond the class list"),
    ("images[0].boxes[0]", _edit("images.0.boxes.0.0", 3), "deleted"),
    ("images[0].boxes[1]", _edit("images.0.boxes.1.1", 1.5), "0..1"),
    ("images[0].boxes[0]", _edit("images.0.boxes.0.1", 0.9), "outside the image"),
    ("images[0].boxes[0]", _edit("images.0.boxes.0", [0, 0.5, 0.5]), "class_id"),
    ("images[0].boxes[0]", _edit("images.0.boxes.0.0", 0.5), "integer class id"),
    ("images[0].status", _edit("images.0.status", "finished"), "not one of"),
    ("images[0].revision", _edit("images.0.revision", "2"), "must be a JSON int"),
    ("images[0].updated_at", _edit("images.0.updated_at", None), "must be a JSON float"),
    ("images[0].filename", _edit("images.0.filename", "../a.png"), "'..'"),
    ("images[1].filename", _edit("images.1.filename", "a.png"), "appears twice"),
    ("classes[1].id", _edit("classes.1.id", 7), "in order"),
    ("classes[2].name", _edit("classes.2.name", "dent"), "appears twice"),
    ("classes[0].deleted", _edit("classes.0.deleted", ...), "missing"),
    ("classes[0]", _edit("classes.0", "dent"), "JSON object"),
]


@pytest.mark.parametrize(("field", "change", "why"), MALFORMED, ids=[f"{m[0]}-{m[2]}" for m in MALFORMED])
def test_malformed_snapshots_are_refused_naming_the_field(
    here: DatasetService,
    there: DatasetService,
    tmp_path: Path,
    field: str,
    change: Callable[[dict[str, Any]], None],
    why: str,
) -> None:
    make_dataset(here, tmp_path / "files")
    snapshot = build_snapshot(here, "parts")
    copy_blobs(here, there, snapshot.blob_keys())
    document = json.loads(snapshot.to_bytes())
    change(document)
    with pytest.raises(InvalidArgument) as refused:
        apply_snapshot(there, json.dumps(document).encode(), overwrite=True)
    assert refused.value.field == field, refused.value.message
    assert why in refused.value.message
    assert there.find_dataset("parts") is None


@pytest.mark.parametrize("data", [b"", b"{not json", b"[1, 2]", b"\xff\xfe\x00"])
def test_what_is_not_a_json_object_is_refused(there: DatasetService, data: bytes) -> None:
    with pytest.raises(InvalidArgument) as refused:
        apply_snapshot(there, data, overwrite=False)
    assert refused.value.field == "snapshot"
    assert there.list_datasets() == []
