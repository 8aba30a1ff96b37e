"""Labelled folders for the remote-import tests (YOLO and COCO, with a corrupt image and a bad label line),
the boxes and statuses a backend must end up holding, and a reader of what it holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from omni_core.datasets.labels import Status
from protos.omni.v1 import datasets_pb2
from tests.omni_core.formats.samples import write_bad_files, write_image, write_yolo, yolo_line

#: (class name, x_center, y_center, width, height)
Expected = tuple[str, float, float, float, float]
YOLO_CLASSES = ["crack", "hole", "rust"]
#: filename -> (status, boxes); the ``9`` in a.txt is beyond the class list: a.png goes to review
YOLO_EXPECTED: dict[str, tuple[Status, list[Expected]]] = {
    "a.png": (Status.REVIEW, [("hole", 0.5, 0.5, 0.2, 0.2)]),
    "b.png": (Status.DONE, []),
    "c.png": (Status.TODO, []),
    "d.png": (Status.DONE, [("crack", 0.25, 0.25, 0.125, 0.25), ("rust", 0.75, 0.5, 0.5, 1.0)]),
}
YOLO_BAD_LINE = "labels/train/a.txt:2"
CORRUPT = "images/train/truncated.jpg"

#: COCO's own category ids have gaps; its classes are their names in id order: scratch, dent
COCO_CATEGORIES = [{"id": 7, "name": "dent"}, {"id": 3, "name": "scratch"}]
COCO_SIZE = (80, 40)
#: file -> [(category id, [left, top, width, height])] in pixels
COCO_BOXES: dict[str, list[tuple[int, list[float]]]] = {
    "p.png": [(7, [8.0, 4.0, 16.0, 8.0]), (3, [40.0, 0.0, 40.0, 40.0])],
    "q.png": [],
}
COCO_EXPECTED: dict[str, tuple[Status, list[Expected]]] = {
    "p.png": (Status.DONE, [("dent", 0.2, 0.2, 0.2, 0.2), ("scratch", 0.75, 0.5, 0.5, 1.0)]),
    "q.png": (Status.DONE, []),
    "r.png": (Status.TODO, []),  # no annotation file mentions it
}


def yolo_folder(root: Path) -> Path:
    labels = {
        "a.png": [yolo_line(1, 0.5, 0.5, 0.2, 0.2), "9 0.5 0.5 0.1 0.1"],
        "b.png": [],
        "c.png": None,
        "d.png": [yolo_line(0, 0.25, 0.25, 0.125, 0.25), yolo_line(2, 0.75, 0.5, 0.5, 1.0)],
    }
    write_yolo(root, YOLO_CLASSES, labels)
    write_bad_files(root / "images" / "train")
    return root


def coco_folder(root: Path) -> Path:
    images: list[dict[str, object]] = []
    annotations: list[dict[str, object]] = []
    for index, name in enumerate([*COCO_BOXES, "r.png"]):
        write_image(root / "images" / "train" / name, COCO_SIZE, seed=50 + index)
        if name not in COCO_BOXES:
            continue
        images.append({"id": index + 1, "file_name": name, "width": COCO_SIZE[0], "height": COCO_SIZE[1]})
        for category, bbox in COCO_BOXES[name]:
            area = bbox[2] * bbox[3]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": index + 1,
                    "category_id": category,
                    "bbox": bbox,
                    "area": area,
                    "iscrowd": 0,
                }
            )
    document = {"images": images, "annotations": annotations, "categories": COCO_CATEGORIES}
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "annotations" / "instances_train.json").write_text(json.dumps(document))
    return root


class Reader(Protocol):
    def get_dataset(self, name: str) -> datasets_pb2.Dataset: ...

    def list_images(self, dataset: str, *, page_size: int = 200) -> datasets_pb2.ListImagesResponse: ...

    def get_annotations(self, dataset: str, image_id: str) -> datasets_pb2.Annotations: ...


def held(client: Reader, dataset: str) -> dict[str, tuple[Status, list[Expected]]]:
    """filename -> (status, boxes with class names) of every image the backend holds, read over gRPC."""
    names = {c.id: c.name for c in client.get_dataset(dataset).classes}
    found: dict[str, tuple[Status, list[Expected]]] = {}
    for image in client.list_images(dataset, page_size=1000).images:
        boxes = client.get_annotations(dataset, image.image_id).boxes
        found[image.filename] = (
            Status(image.status),
            [(names[b.class_id], b.x_center, b.y_center, b.width, b.height) for b in boxes],
        )
    return found


def assert_same(
    actual: dict[str, tuple[Status, list[Expected]]], expected: dict[str, tuple[Status, list[Expected]]]
) -> None:
    """The same files, statuses and boxes (class names equal, coordinates within 1e-6)."""
    assert sorted(actual) == sorted(expected)
    for name, (status, boxes) in expected.items():
        got_status, got_boxes = actual[name]
        assert got_status == status, name
        assert [b[0] for b in got_boxes] == [b[0] for b in boxes], name
        for got, want in zip(got_boxes, boxes, strict=True):
            assert max(abs(g - w) for g, w in zip(got[1:], want[1:], strict=True)) <= 1e-6, (name, got, want)
