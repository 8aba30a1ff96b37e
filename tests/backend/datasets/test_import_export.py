"""Import and export through the dataset pipeline (the job functions, in process): every format, bad input,
the round trip YOLO -> COCO -> VOC -> YOLO, and importing twice."""

from __future__ import annotations

import hashlib
import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from backend.datasets.export import export_dataset
from backend.datasets.ingest import import_folder
from backend.datasets.params import ExportDatasetParams, ImportDatasetParams
from backend.datasets.records import Status
from backend.datasets.service import DatasetService
from omni_core.formats.images import upright_size
from omni_core.formats.model import Box
from omni_core.formats.yolo import read_yolo
from tests.backend.datasets.conftest import JobRecorder
from tests.omni_core.formats.samples import write_bad_files, write_image, write_yolo, yolo_line


def run_import(service: DatasetService, job: JobRecorder, path: Path, fmt: str, name: str, **kw: object) -> dict:
    import_folder(service, ImportDatasetParams(path=str(path), format=fmt, name=name, **kw), job)  # type: ignore[arg-type]
    report_key = next(a["key"] for a in reversed(job.artifacts) if a["kind"] == "import-report")
    return json.loads(job.store.get_bytes(report_key))


def run_export(service: DatasetService, job: JobRecorder, name: str, out: Path, fmt: str, **kw: object) -> None:
    export_dataset(service, ExportDatasetParams(dataset=name, out=str(out), format=fmt, **kw), job)  # type: ignore[arg-type]


def skipped_reasons(report: dict) -> dict[str, str]:
    return {Path(entry["file"]).name: entry["message"] for entry in report["skipped"]}


def test_yolo_import_reports_bad_files_and_lines(service: DatasetService, job: JobRecorder, tmp_path: Path) -> None:
    src = write_yolo(
        tmp_path / "src",
        ["crack", "hole"],
        {"a.png": [yolo_line(1, 0.5, 0.5, 0.2, 0.2), "5 0.5 0.5 0.1 0.1", "0 0.5"], "b.png": [], "c.png": None},
    )
    expected = write_bad_files(src / "images" / "train")
    report = run_import(service, job, src, "yolo", "parts")
    reasons = skipped_reasons(report)
    assert set(reasons) == set(expected)
    for name, reason in expected.items():
        assert reason in reasons[name]
    assert {(p["file"], p["line"]) for p in report["problems"]} == {
        ("labels/train/a.txt", 2),
        ("labels/train/a.txt", 3),
    }
    assert (report["added"], report["boxes"]) == (3, 1)
    items = {Path(item.input).name: item for item in job.items}  # one item event per file
    assert {name for name, item in items.items() if item.ok} == {"a.png", "b.png", "c.png"}
    assert all(items[name].output and items[name].width > 0 for name in ("a.png", "b.png", "c.png"))
    assert {name: item.reason for name, item in items.items() if not item.ok} == reasons
    assert any("labels/train/a.txt:2:" in message for _, message in job.logs)  # file:line in the job log too
    statuses = {image.filename: image.status for image in service.list_images("parts").images}
    assert statuses == {"a.png": Status.REVIEW, "b.png": Status.DONE, "c.png": Status.TODO}
    assert service.get_dataset("parts").class_names == ["crack", "hole"]


def test_importing_again_adds_nothing_and_keeps_edits(
    service: DatasetService, job: JobRecorder, tmp_path: Path
) -> None:
    src = tmp_path / "plain"
    for i in range(5):
        write_image(src / f"im{i}.jpg", seed=i)
    write_image(src / "z-copy.jpg", seed=0)  # the same bytes as im0.jpg
    first = run_import(service, job, src, "images", "plain", classes=("a", "b"))
    assert (first["added"], first["already_present"]) == (5, 0)
    assert "the same image is in the dataset as 'im0.jpg'" in skipped_reasons(first)["z-copy.jpg"]
    assert [(item.input, item.ok, item.skipped) for item in job.items] == [
        *((f"im{i}.jpg", True, False) for i in range(5)),
        ("z-copy.jpg", False, True),
    ]
    assert job.items[5].output == job.items[0].output  # the image it is the same as
    job.items.clear()
    image = service.list_images("plain").images[0]
    service.save_annotations("plain", image.image_id, base_revision=0, boxes=[Box(1, 0.5, 0.5, 0.5, 0.5)], editor="ann")
    second = run_import(service, job, src, "images", "plain")
    assert (second["added"], second["already_present"]) == (0, 5)
    assert all(item.skipped and not item.ok for item in job.items) and len(job.items) == 6
    assert {item.reason for item in job.items[:5]} == {"already in the dataset"}
    assert service.get_annotations("plain", image.image_id).revision == 1
    assert len(list(service.blobs.store.list("training-data/images"))) == 5


def write_coco(root: Path) -> None:
    write_image(root / "images" / "train" / "a.jpg", (100, 50), seed=1)
    write_image(root / "images" / "train" / "b.jpg", (100, 50), seed=2)
    write_image(root / "images" / "train" / "extra.jpg", (100, 50), seed=3)  # in no JSON: unlabelled
    document = {
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 100, "height": 50},
            {"id": 2, "file_name": "b.jpg"},  # no size: read from the file
            {"id": 3, "file_name": "gone.jpg", "width": 10, "height": 10},
        ],
        "categories": [{"id": 1, "name": "dent"}, {"id": 3, "name": "rust"}],  # ids with a gap
        "annotations": [
            {"id": 10, "image_id": 1, "category_id": 3, "bbox": [10, 5, 20, 10]},
            {"id": 11, "image_id": 2, "category_id": 1, "bbox": [90, 40, 20, 20]},  # reaches outside: clipped
            {"id": 12, "image_id": 2, "category_id": 9, "bbox": [1, 1, 5, 5]},  # unknown category
            {"id": 13, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "iscrowd": 1},
            {"id": 14, "image_id": 3, "category_id": 1, "bbox": [1, 1, 5, 5]},  # its image is missing
        ],
    }
    (root / "annotations").mkdir(parents=True)
    (root / "annotations" / "instances_train.json").write_text(json.dumps(document))


def test_coco_import(service: DatasetService, job: JobRecorder, tmp_path: Path) -> None:
    write_coco(tmp_path / "coco")
    report = run_import(service, job, tmp_path / "coco", "coco", "coco")
    assert service.get_dataset("coco").class_names == ["dent", "rust"]
    assert report["added"] == 3
    messages = " | ".join(p["message"] for p in report["problems"])
    assert "annotation 12" in messages and "category_id 9" in messages
    assert "crowd" in messages and "clipped" in messages
    assert "gone.jpg" in skipped_reasons(report)["instances_train.json"]
    images = {i.filename: i for i in service.list_images("coco").images}
    assert images["extra.jpg"].status == Status.TODO and images["b.jpg"].status == Status.REVIEW
    (box,) = service.get_annotations("coco", images["a.jpg"].image_id).boxes
    assert (box.class_id, box.x_center, box.y_center, box.width, box.height) == pytest.approx((1, 0.2, 0.2, 0.2, 0.2))
    (clipped,) = service.get_annotations("coco", images["b.jpg"].image_id).boxes
    assert clipped.x_center + clipped.width / 2 == pytest.approx(1.0)


def test_voc_import(service: DatasetService, job: JobRecorder, tmp_path: Path) -> None:
    root = tmp_path / "voc"
    write_image(root / "JPEGImages" / "a.jpg", (200, 100), seed=1)
    write_image(root / "JPEGImages" / "b.jpg", (200, 100), seed=2)
    (root / "Annotations").mkdir(parents=True)
    (root / "classes.txt").write_text("dent\nrust\n")
    (root / "Annotations" / "a.xml").write_text(
        "<annotation><filename>a.jpg</filename><size><width>200</width><height>100</height></size>"
        "<object><name>rust</name><bndbox><xmin>11</xmin><ymin>21</ymin><xmax>50</xmax><ymax>40</ymax></bndbox></object>"
        "<object><name>graffiti</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>"
        "</annotation>"
    )
    (root / "Annotations" / "broken.xml").write_text("<annotation><filename>")
    (root / "Annotations" / "c.xml").write_text("<annotation><filename>c.jpg</filename></annotation>")
    report = run_import(service, job, root, "voc", "voc")
    messages = " | ".join(f"{p['file']}: {p['message']}" for p in report["problems"])
    assert "graffiti" in messages and "Annotations/broken.xml" in messages
    assert "c.jpg" in skipped_reasons(report)["c.xml"]
    images = {i.filename: i for i in service.list_images("voc").images}
    assert images["a.jpg"].status == Status.REVIEW and images["b.jpg"].status == Status.TODO
    (box,) = service.get_annotations("voc", images["a.jpg"].image_id).boxes
    assert (box.class_id, box.x_center, box.y_center, box.width, box.height) == pytest.approx((1, 0.15, 0.3, 0.2, 0.2))


def make_rich_yolo(root: Path) -> tuple[list[str], dict[str, list[str]]]:
    """Classes incl. an unused one and YAML-awkward names; boxes with 6 decimals; an EXIF-rotated JPEG."""
    classes = ["dent", "yes", "1", "rust: heavy", "unused"]
    rng = random.Random(5)
    labels: dict[str, list[str]] = {}
    for i in range(12):
        lines = []
        for _ in range(rng.randint(0, 4)):
            w, h = round(rng.uniform(0.01, 0.5), 6), round(rng.uniform(0.01, 0.5), 6)
            x, y = round(rng.uniform(w / 2, 1 - w / 2), 6), round(rng.uniform(h / 2, 1 - h / 2), 6)
            lines.append(yolo_line(rng.randint(0, 3), x, y, w, h))
        labels[f"img{i:02d}.png"] = lines
    write_yolo(root, classes, labels, sizes={name: (60 + i, 40 + 2 * i) for i, name in enumerate(labels)})
    write_image(root / "images" / "train" / "rotated.jpg", (80, 40), orientation=6, seed=50)
    (root / "labels" / "train" / "rotated.txt").write_text(yolo_line(0, 0.25, 0.125, 0.5, 0.25) + "\n")
    labels["rotated.jpg"] = [yolo_line(0, 0.25, 0.125, 0.5, 0.25)]
    return classes, labels


def boxes_by_content(root: Path) -> tuple[list[str] | None, dict[str, list[tuple[int, float, float, float, float]]]]:
    """Per image (by content): (class, left, top, right, bottom) in pixels of the upright image."""
    parsed = read_yolo(root, fallback_classes=[])
    assert not parsed.problems
    found = {}
    for image in parsed.images:
        digest = hashlib.sha256(image.path.read_bytes()).hexdigest()
        w, h = upright_size(image.path)
        found[digest] = sorted(
            (b.class_id, *(v * s for v, s in zip(edges(b), (w, h, w, h), strict=True))) for b in image.boxes
        )
    return parsed.classes, found


def edges(box: Box) -> tuple[float, float, float, float]:
    return (
        box.x_center - box.width / 2,
        box.y_center - box.height / 2,
        box.x_center + box.width / 2,
        box.y_center + box.height / 2,
    )


def test_round_trip_yolo_coco_voc_yolo_keeps_boxes_and_classes(
    service: DatasetService, job: JobRecorder, tmp_path: Path
) -> None:
    """COCO keeps boxes to float precision; VOC holds whole pixels (the devkit's files), so every edge moves
    at most half a pixel there, and the export says so."""
    classes, _ = make_rich_yolo(tmp_path / "yolo0")
    run_import(service, job, tmp_path / "yolo0", "yolo", "step0")
    run_export(service, job, "step0", tmp_path / "coco", "coco")
    run_import(service, job, tmp_path / "coco", "coco", "step1")
    run_export(service, job, "step1", tmp_path / "yolo_c", "yolo")
    run_export(service, job, "step1", tmp_path / "voc", "voc", split=(0.6, 0.2, 0.2), seed=3)
    assert any("VOC holds whole pixels" in message for _, message in job.logs)
    run_import(service, job, tmp_path / "voc", "voc", "step2")
    run_export(service, job, "step2", tmp_path / "yolo1", "yolo")
    names0, boxes0 = boxes_by_content(tmp_path / "yolo0")
    for folder, tolerance in (("yolo_c", 1e-4), ("yolo1", 0.5 + 1e-4)):
        names1, boxes1 = boxes_by_content(tmp_path / folder)
        assert names0 == names1 == classes
        assert boxes0.keys() == boxes1.keys() and len(boxes0) == 13
        worst = 0.0
        for digest, before in boxes0.items():
            after = boxes1[digest]
            assert len(before) == len(after)
            for a, b in zip(before, after, strict=True):
                assert a[0] == b[0]
                worst = max(worst, *(abs(x - y) for x, y in zip(a[1:], b[1:], strict=True)))
        assert worst <= tolerance, folder
    assert worst > 0.1  # the VOC leg did round (6-decimal YOLO boxes are not on whole pixels)
    assert sum(len(b) for b in boxes0.values()) == service.get_dataset("step2").box_count


def test_exports_have_the_layout_each_trainer_expects(
    service: DatasetService, job: JobRecorder, tmp_path: Path
) -> None:
    make_rich_yolo(tmp_path / "src")
    run_import(service, job, tmp_path / "src", "yolo", "ds")
    run_export(service, job, "ds", tmp_path / "y", "yolo", split=(0.7, 0.2, 0.1))
    data = yaml.safe_load((tmp_path / "y" / "data.yaml").read_text())
    assert "path" not in data
    assert (data["train"], data["val"], data["test"]) == ("images/train", "images/val", "images/test")
    assert data["names"] == {0: "dent", 1: "yes", 2: "1", 3: "rust: heavy", 4: "unused"}
    for split in ("train", "val", "test"):
        images = sorted(p.stem for p in (tmp_path / "y" / "images" / split).iterdir())
        assert images and images == sorted(p.stem for p in (tmp_path / "y" / "labels" / split).iterdir())

    run_export(service, job, "ds", tmp_path / "c", "coco")
    documents = [json.loads(p.read_text()) for p in sorted((tmp_path / "c" / "annotations").glob("*.json"))]
    assert [p.name for p in sorted((tmp_path / "c" / "annotations").glob("*.json"))] == [
        "instances_train.json",
        "instances_val.json",
    ]
    assert all([c["name"] for c in d["categories"]] == ["dent", "yes", "1", "rust: heavy", "unused"] for d in documents)
    (document,) = [d for d in documents if any(i["file_name"] == "rotated.jpg" for i in d["images"])]
    (rotated,) = [i for i in document["images"] if i["file_name"] == "rotated.jpg"]
    assert (rotated["width"], rotated["height"]) == (40, 80)  # upright
    (annotation,) = [a for a in document["annotations"] if a["image_id"] == rotated["id"]]
    assert annotation["bbox"] == pytest.approx([0.0, 0.0, 20.0, 20.0])  # pixels of the upright image

    run_export(service, job, "ds", tmp_path / "v", "voc", statuses=(int(Status.DONE),))
    xmls = sorted((tmp_path / "v" / "Annotations").glob("*.xml"))
    assert len(xmls) == 13 == len(list((tmp_path / "v" / "JPEGImages").iterdir()))
    sets = {p.stem for p in (tmp_path / "v" / "ImageSets" / "Main").glob("*.txt")}
    assert sets == {"train", "val", "trainval"}
    assert (tmp_path / "v" / "classes.txt").read_text().splitlines()[3] == "rust: heavy"
    root = ET.parse(tmp_path / "v" / "Annotations" / "rotated.xml").getroot()
    assert (root.findtext("size/width"), root.findtext("size/height")) == ("40", "80")
    assert any(a["kind"] == "dataset" and a["key"].endswith("classes.txt") for a in job.artifacts)
