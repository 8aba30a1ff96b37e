"""The client core's remote import against a real ``omni serve`` on loopback, without Qt: YOLO and COCO
folders end up with the same boxes and statuses as labelled, corrupt images and bad label lines are
reported by name, and a cancelled import resumes without duplicates or lost labels."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.client import Connection
from omni_core.datasets.remote_import import ImportProgress, remote_import
from omni_core.errors import InvalidArgument
from tests.helpers import ServeProcess
from tests.omni_core.datasets.folders import (
    COCO_EXPECTED,
    CORRUPT,
    YOLO_BAD_LINE,
    YOLO_EXPECTED,
    assert_same,
    coco_folder,
    held,
    yolo_folder,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    server = ServeProcess(tmp_path_factory.mktemp("serve") / "ws")
    try:
        with server.client() as connection:
            yield connection
    finally:
        server.stop()


def test_a_yolo_folder_keeps_its_boxes_and_names_what_it_refused(client: Connection, tmp_path: Path) -> None:
    seen: list[ImportProgress] = []
    report = remote_import(client, yolo_folder(tmp_path / "parts"), "yolo", "yolo-parts", progress=seen.append)
    assert_same(held(client, "yolo-parts"), YOLO_EXPECTED)
    assert [c.name for c in client.get_dataset("yolo-parts").classes] == ["crack", "hole", "rust"]
    assert (report.added, report.already_present, report.boxes, report.cancelled) == (4, 0, 3, False)
    assert CORRUPT in {p.file for p in report.skipped}
    assert any(str(p).startswith(YOLO_BAD_LINE) and "beyond the class list" in str(p) for p in report.problems)
    assert [p.sent for p in seen] == [0, 1, 2, 3, 4] and seen[-1].total == 4
    assert seen[-1].labels_saved == 3  # c.png has no labels: nothing to save

    again = remote_import(client, tmp_path / "parts", "yolo", "yolo-parts")
    assert (again.added, again.already_present, again.boxes) == (0, 4, 0)
    assert client.get_dataset("yolo-parts").image_count == 4


def test_coco_classes_map_by_name_into_an_existing_dataset(client: Connection, tmp_path: Path) -> None:
    client.create_dataset("coco-parts", ["rust", "dent"])
    report = remote_import(client, coco_folder(tmp_path / "coco"), "coco", "coco-parts")
    assert_same(held(client, "coco-parts"), COCO_EXPECTED)
    classes = [(c.id, c.name) for c in client.get_dataset("coco-parts").classes]
    assert classes == [(0, "rust"), (1, "dent"), (2, "scratch")]  # dent keeps its id, scratch is added
    assert report.classes_added == ["scratch"] and report.boxes == 2


def test_a_cancelled_import_resumes_to_the_same_dataset(client: Connection, tmp_path: Path) -> None:
    folder = yolo_folder(tmp_path / "parts")
    cancel = threading.Event()

    def stop_after_two(progress: ImportProgress) -> None:
        if progress.sent == 2:
            cancel.set()

    first = remote_import(client, folder, "yolo", "resumed", progress=stop_after_two, cancel=cancel)
    assert first.cancelled and first.added == 2
    assert "cancelled" in first.summary()
    # the rest of the batch was uploaded before the cancel, without its labels: the second import saves them
    second = remote_import(client, folder, "yolo", "resumed")
    assert not second.cancelled and second.added + second.already_present == 4
    assert first.boxes + second.boxes == 3
    assert_same(held(client, "resumed"), YOLO_EXPECTED)
    assert client.get_dataset("resumed").image_count == 4


def test_bad_input_names_the_field(client: Connection, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument) as missing:
        remote_import(client, tmp_path / "nowhere", "yolo")
    assert missing.value.field == "path"
    (tmp_path / "here").mkdir()
    with pytest.raises(InvalidArgument) as bad_name:
        remote_import(client, tmp_path / "here", "yolo", "no spaces")
    assert bad_name.value.field == "name"
    with pytest.raises(InvalidArgument) as bad_format:
        remote_import(client, tmp_path / "here", "tiff")
    assert bad_format.value.field == "format"
    assert client.find_dataset("here") is None  # nothing was created
