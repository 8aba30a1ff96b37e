"""What we write, read by the peers' own libraries (supervision, pycocotools, globox, Label Studio's
converter), and what they write, read by us: boxes compared in pixels of the image.

The boxes (``exchange.PIXEL_BOXES``) sit on whole pixels and include a 1-px box and a full-image box, so a
reader that is off by one pixel shows it exactly."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from tests.omni_core.formats.exchange import (
    CLASSES,
    PIXEL_BOXES,
    Pixel,
    expected_flags,
    expected_pixels,
    largest_difference,
    read_pixels,
    write,
)

sv = pytest.importorskip("supervision")
globox = pytest.importorskip("globox")
coco_api = pytest.importorskip("pycocotools.coco")


def supervision_pixels(dataset: object) -> dict[str, list[Pixel]]:
    found = {}
    for path, _, detections in dataset:  # type: ignore[attr-defined]
        names = [dataset.classes[int(c)] for c in detections.class_id]  # type: ignore[attr-defined]
        found[Path(path).name] = sorted(
            (name, *map(float, xyxy)) for name, xyxy in zip(names, detections.xyxy, strict=True)
        )
    return found


def globox_pixels(annotations: object) -> dict[str, list[Pixel]]:
    return {
        Path(a.image_id).name: sorted((b.label, *map(float, b.ltrb)) for b in a.boxes)
        for a in annotations  # type: ignore[attr-defined]
    }


def supervision_dataset(images: Path) -> object:
    """The sample boxes as a supervision dataset (0-based xyxy edges, as supervision stores them)."""
    annotations = {}
    for name, (_, _, found) in PIXEL_BOXES.items():
        xyxy = np.array([[x0, y0, x1, y1] for _, x0, y0, x1, y1, _ in found], dtype=np.float32).reshape(-1, 4)
        class_id = np.array([c for c, *_ in found], dtype=int)
        annotations[str(images / name)] = sv.Detections(xyxy=xyxy, class_id=class_id)
    return sv.DetectionDataset(CLASSES, list(annotations), annotations)


def images_folder(tmp_path: Path) -> Path:
    """The sample images in one folder (taken from our own VOC export)."""
    write("voc", tmp_path / "source")
    return tmp_path / "source" / "JPEGImages"


# -- Pascal VOC ---------------------------------------------------------------------------------------------------


def test_voc_we_write_reads_the_same_in_supervision(tmp_path: Path) -> None:
    write("voc", tmp_path / "voc")
    dataset = sv.DetectionDataset.from_pascal_voc(str(tmp_path / "voc/JPEGImages"), str(tmp_path / "voc/Annotations"))
    assert largest_difference(expected_pixels(), supervision_pixels(dataset)) < 1e-4
    root = ET.parse(tmp_path / "voc/Annotations/a.xml").getroot()
    tags = ("xmin", "ymin", "xmax", "ymax")
    corners = sorted(tuple(int(o.findtext(f"bndbox/{t}") or "") for t in tags) for o in root.iter("object"))
    assert corners == [(1, 1, 200, 100), (6, 6, 6, 6), (11, 21, 50, 40)]  # full image; 1 px; devkit inclusive
    whole = next(o for o in root.iter("object") if o.findtext("name") == "scratch")
    assert (whole.findtext("difficult"), whole.findtext("truncated")) == ("1", "1")


def test_voc_supervision_writes_reads_the_same_here(tmp_path: Path) -> None:
    dataset = supervision_dataset(images_folder(tmp_path))
    dataset.as_pascal_voc(  # type: ignore[attr-defined]
        str(tmp_path / "voc/JPEGImages"), str(tmp_path / "voc/Annotations")
    )
    (tmp_path / "voc/classes.txt").write_text("".join(f"{c}\n" for c in CLASSES))
    parsed, found = read_pixels(tmp_path / "voc", "voc")
    assert not parsed.problems
    assert largest_difference(expected_pixels(), found) < 1e-9


def test_voc_globox_reads_corners_without_the_devkit_shift(tmp_path: Path) -> None:
    """globox takes ``xmin`` as the left edge (no 1-based shift), so our devkit boxes read 1 px further right
    and down on their left and top edges there, and exactly on their right and bottom edges."""
    write("voc", tmp_path / "voc")
    found = globox_pixels(globox.AnnotationSet.from_pascal_voc(tmp_path / "voc/Annotations"))
    expected = expected_pixels()
    assert largest_difference(expected, found) == pytest.approx(1.0)
    for name in expected:
        for ours, theirs in zip(expected[name], found[name], strict=True):
            assert [b - a for a, b in zip(ours[1:], theirs[1:], strict=True)] == pytest.approx([1, 1, 0, 0])


def test_voc_writes_whole_pixels_and_says_when_it_rounds(tmp_path: Path) -> None:
    from omni_core.formats.boxes import from_pixels
    from omni_core.formats.model import ExportImage

    box = from_pixels(0, 436.99999999999994 - 400, 10.00032, 50.6, 20, 100, 60)
    result = write("voc", tmp_path / "voc", [ExportImage("x.png", 100, 60, (box,), lambda: b"")], ["train"])
    xml = (tmp_path / "voc/Annotations/x.xml").read_text()
    assert "<xmin>38</xmin>" in xml and "<ymin>11</ymin>" in xml and "<xmax>88</xmax>" in xml
    assert "<ymax>30</ymax>" in xml
    (note,) = result.notes
    assert "1 boxes were rounded" in note and "0.40 px" in note


# -- COCO ---------------------------------------------------------------------------------------------------------


def coco_files(root: Path) -> list[Path]:
    return sorted((root / "annotations").glob("instances_*.json"))


def test_coco_we_write_reads_the_same_in_pycocotools_supervision_and_globox(tmp_path: Path) -> None:
    write("coco", tmp_path / "coco")
    pycoco: dict[str, list[Pixel]] = {}
    via_sv: dict[str, list[Pixel]] = {}
    via_globox: dict[str, list[Pixel]] = {}
    for path in coco_files(tmp_path / "coco"):
        api = coco_api.COCO(str(path))
        names = {c["id"]: c["name"] for c in api.loadCats(api.getCatIds())}
        for image in api.loadImgs(api.getImgIds()):
            anns = api.loadAnns(api.getAnnIds(imgIds=[image["id"]]))
            pycoco[image["file_name"]] = sorted(
                (names[a["category_id"]], left, top, left + width, top + height)
                for a in anns
                for left, top, width, height in [a["bbox"]]
            )
        split = path.stem.removeprefix("instances_")
        via_sv |= supervision_pixels(sv.DetectionDataset.from_coco(str(tmp_path / "coco/images" / split), str(path)))
        via_globox |= globox_pixels(globox.AnnotationSet.from_coco(path))
    expected = expected_pixels()
    assert largest_difference(expected, pycoco) < 1e-9
    assert largest_difference(expected, via_sv) < 1e-4  # supervision holds float32
    assert largest_difference(expected, via_globox) < 1e-9
    annotation = json.loads(coco_files(tmp_path / "coco")[0].read_text())["annotations"][2]
    assert annotation["attributes"] == {"difficult": True, "truncated": True, "occluded": False}


def globox_boxes(tmp_path: Path) -> object:
    """The sample boxes as a globox AnnotationSet (read from our VOC export, less the devkit's 1-px shift
    that globox does not make: see the VOC test)."""
    write("voc", tmp_path / "source")
    annotations = globox.AnnotationSet.from_pascal_voc(tmp_path / "source/Annotations")
    for annotation in annotations:
        for box in annotation.boxes:
            box._xmin -= 1
            box._ymin -= 1
    return annotations


def test_coco_splits_globox_numbers_apart_are_matched_by_name(tmp_path: Path) -> None:
    """globox numbers each file's categories from 0 over the labels that file has: 'rust' is 1 in the train
    file and 0 in the val file. Each box keeps its class."""
    annotations = globox_boxes(tmp_path)
    (a_png,) = [a for a in annotations if a.image_id == "a.png"]  # type: ignore[attr-defined]
    a_png.boxes = [b for b in a_png.boxes if b.label != "dent"]
    expected = expected_pixels()
    expected["a.png"] = [b for b in expected["a.png"] if b[0] != "dent"]
    root = tmp_path / "coco"
    for split, names in {"train": ["b.jpg", "c.png"], "val": ["a.png"]}.items():
        part = globox.AnnotationSet([a for a in annotations if a.image_id in names])  # type: ignore[attr-defined]
        (root / "annotations").mkdir(parents=True, exist_ok=True)
        part.save_coco(root / "annotations" / f"instances_{split}.json", auto_ids=True)
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy(tmp_path / "source/JPEGImages" / name, root / "images" / split / name)
    tables = [json.loads(p.read_text())["categories"] for p in coco_files(root)]
    assert [{c["name"]: c["id"] for c in table} for table in tables] == [
        {"dent": 0, "rust": 1},
        {"rust": 0, "scratch": 1},
    ]
    parsed, found = read_pixels(root, "coco")
    assert not parsed.problems and parsed.classes == ["dent", "rust", "scratch"]
    assert largest_difference(expected, found) < 1e-9


def test_coco_categories_that_disagree_on_ids_between_files(tmp_path: Path) -> None:
    images = images_folder(tmp_path)
    root = tmp_path / "coco"
    for split, cats, box_cat in (("train", [(1, "dent"), (2, "rust")], 2), ("val", [(1, "rust"), (2, "dent")], 1)):
        (root / "images" / split).mkdir(parents=True)
        shutil.copy(images / "c.png", root / "images" / split / f"{split}.png")
        document = {
            "images": [{"id": 7, "file_name": f"{split}.png", "width": 40, "height": 30}],
            "annotations": [{"id": 1, "image_id": 7, "category_id": box_cat, "bbox": [1, 2, 3, 4]}],
            "categories": [{"id": i, "name": n} for i, n in cats],
        }
        (root / "annotations").mkdir(exist_ok=True)
        (root / "annotations" / f"instances_{split}.json").write_text(json.dumps(document))
    parsed, found = read_pixels_any(root, "coco")
    assert parsed.classes == ["dent", "rust"] and not parsed.problems
    assert found == {"train.png": [("rust", 1, 2, 4, 6)], "val.png": [("rust", 1, 2, 4, 6)]}


def read_pixels_any(root: Path, fmt: str) -> tuple[object, dict[str, list[tuple[str, float, float, float, float]]]]:
    from omni_core.formats import read_dataset
    from omni_core.formats.images import upright_size
    from tests.omni_core.formats.exchange import pixel_edges

    parsed = read_dataset(root, fmt, fallback_classes=[])
    found = {}
    for image in parsed.images:
        w, h = upright_size(image.path)
        found[image.filename] = sorted(
            (parsed.classes[b.class_id], *(round(v, 6) for v in pixel_edges(b, w, h)))  # type: ignore[index]
            for b in image.boxes
        )
    return parsed, found


# -- Label Studio -------------------------------------------------------------------------------------------------


def test_labelstudio_we_write_converts_with_label_studios_converter(tmp_path: Path) -> None:
    """Label Studio's own converter turns our tasks.json (with our label_config.xml) into COCO, naming the
    images by their Label Studio path; we read that COCO back, finding each image in images/ by its name."""
    converter_module = pytest.importorskip("label_studio_converter")
    write("labelstudio", tmp_path / "ls")
    converter = converter_module.Converter(
        config=(tmp_path / "ls/label_config.xml").read_text(),
        project_dir=str(tmp_path / "ls"),
        download_resources=False,
    )
    out = tmp_path / "ls_coco"
    converter.convert_to_coco(str(tmp_path / "ls/tasks.json"), str(out), is_dir=False)
    document = json.loads((out / "result.json").read_text())
    assert all(image["file_name"].startswith("/data/local-files/?d=images/") for image in document["images"])
    shutil.copytree(tmp_path / "ls/images", out / "images", dirs_exist_ok=True)
    parsed, found = read_pixels(out, "coco")
    assert not parsed.skipped
    assert largest_difference(expected_pixels(), found) < 1e-9


def test_labelstudio_tasks_label_studios_converter_writes_read_the_same_here(tmp_path: Path) -> None:
    """Label Studio's converter turns a COCO file into Label Studio tasks (its ``coco -> ls`` import); we read
    those tasks, finding the images through their local-files URLs."""
    imports = pytest.importorskip("label_studio_converter.imports.coco")
    root = tmp_path / "coco"
    write("coco", root, splits=["train", "train", "train"])
    imports.convert_coco_to_ls(
        str(root / "annotations/instances_train.json"),
        str(root / "tasks.json"),
        image_root_url="/data/local-files/?d=images/train/",
    )
    tasks = json.loads((root / "tasks.json").read_text())
    assert tasks[0]["annotations"][0]["result"][0]["type"] == "rectanglelabels"
    parsed, found = read_pixels(root, "labelstudio")
    assert not parsed.skipped
    assert largest_difference(expected_pixels(), found) < 1e-9


def test_labelstudio_we_write_reads_back_with_flags(tmp_path: Path) -> None:
    write("labelstudio", tmp_path / "ls")
    parsed, found = read_pixels(tmp_path / "ls", "labelstudio")
    assert not parsed.problems and not parsed.skipped
    assert largest_difference(expected_pixels(), found) < 1e-9
    flags = {Path(i.filename).name: sorted(b.flags for b in i.boxes) for i in parsed.images}
    assert flags == {name: sorted(f for *_, f in boxes) for name, boxes in expected_flags().items()}


# -- CVAT ---------------------------------------------------------------------------------------------------------


def test_cvat_we_write_reads_the_same_in_globox(tmp_path: Path) -> None:
    write("cvat", tmp_path / "cvat")
    found = globox_pixels(globox.AnnotationSet.from_cvat(tmp_path / "cvat/annotations.xml"))
    assert largest_difference(expected_pixels(), found) <= 0.005  # CVAT writes two decimals


def test_cvat_globox_writes_reads_the_same_here(tmp_path: Path) -> None:
    annotations = globox_boxes(tmp_path)
    (tmp_path / "cvat").mkdir()
    annotations.save_cvat(tmp_path / "cvat/annotations.xml")  # type: ignore[attr-defined]
    shutil.copytree(tmp_path / "source/JPEGImages", tmp_path / "cvat/images")
    parsed, found = read_pixels(tmp_path / "cvat", "cvat")
    assert not parsed.problems
    assert largest_difference(expected_pixels(), found) < 1e-9


# -- LabelMe ------------------------------------------------------------------------------------------------------


def test_labelme_we_write_reads_the_same_in_supervision_and_globox(tmp_path: Path) -> None:
    write("labelme", tmp_path / "lm")
    via_sv: dict[str, list[Pixel]] = {}
    via_globox: dict[str, list[Pixel]] = {}
    for split in ("train", "val"):
        folder = str(tmp_path / "lm" / split)
        via_sv |= supervision_pixels(sv.DetectionDataset.from_labelme(folder, folder))
        via_globox |= globox_pixels(globox.AnnotationSet.from_labelme(tmp_path / "lm" / split))
    # supervision takes classes from the labels it meets per call: compare names, not its ids
    assert largest_difference(expected_pixels(), via_sv) < 1e-4
    assert largest_difference(expected_pixels(), via_globox) < 1e-9


def test_labelme_supervision_and_globox_write_read_the_same_here(tmp_path: Path) -> None:
    images = images_folder(tmp_path)
    supervision_dataset(images).as_labelme(  # type: ignore[attr-defined]
        str(tmp_path / "sv"), str(tmp_path / "sv")
    )
    parsed, found = read_pixels(tmp_path / "sv", "labelme")
    assert not parsed.problems
    assert largest_difference(expected_pixels(), found) < 1e-4

    (tmp_path / "gb").mkdir()
    globox_boxes(tmp_path).save_labelme(tmp_path / "gb")  # type: ignore[attr-defined]
    for name in PIXEL_BOXES:
        shutil.copy(images / name, tmp_path / "gb" / name)
    parsed, found = read_pixels(tmp_path / "gb", "labelme")
    assert not parsed.problems
    assert largest_difference(expected_pixels(), found) < 1e-9
