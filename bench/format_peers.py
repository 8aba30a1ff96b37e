"""The largest box difference, in pixels, between what we write in each exchange format and what the peers'
own libraries read from it: on the test fixture (whole-pixel boxes, a 1-px box, a full-image box) and on 300
random fractional boxes. ``python -m bench.format_peers`` (needs the dev extra: supervision, pycocotools,
globox, label-studio-converter)."""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import globox
import supervision as sv
from label_studio_converter import Converter
from pycocotools.coco import COCO

from tests.omni_core.formats import exchange
from tests.omni_core.formats.exchange import PixelBoxes

Reading = dict[str, list[exchange.Pixel]]


def matched(a: Reading, b: Reading) -> float:
    """Largest edge difference, each box paired with the nearest same-class box (rounding can reorder them)."""
    assert a.keys() == b.keys()
    worst = 0.0
    for name in a:
        assert len(a[name]) == len(b[name]), name
        left = list(b[name])
        for box in a[name]:
            best = min((x for x in left if x[0] == box[0]), key=lambda x: _distance(box, x))
            left.remove(best)
            worst = max(worst, _distance(box, best))
    return worst


def _distance(a: exchange.Pixel, b: exchange.Pixel) -> float:
    return max(abs(p - q) for p, q in zip(a[1:], b[1:], strict=True))


def random_boxes(seed: int = 7, images: int = 30, per_image: int = 10) -> PixelBoxes:
    rng = random.Random(seed)
    boxes: PixelBoxes = {}
    for i in range(images):
        width, height = rng.randint(40, 400), rng.randint(40, 300)
        found = []
        for _ in range(per_image):
            x0, y0 = rng.uniform(0, width - 2), rng.uniform(0, height - 2)
            found.append((rng.randint(0, 2), x0, y0, rng.uniform(x0 + 1, width), rng.uniform(y0 + 1, height), 0))
        boxes[f"r{i:02d}.png"] = (width, height, found)  # type: ignore[assignment]
    return boxes


def _supervision(dataset: Any) -> Reading:
    found: Reading = {}
    for path, _, detections in dataset:
        pairs = zip(detections.class_id, detections.xyxy, strict=True)
        found[Path(path).name] = sorted((dataset.classes[int(c)], *map(float, xyxy)) for c, xyxy in pairs)
    return found


def _globox(annotations: Any) -> Reading:
    return {Path(a.image_id).name: sorted((b.label, *map(float, b.ltrb)) for b in a.boxes) for a in annotations}


def _coco_document(document: dict[str, Any]) -> Reading:
    names = {c["id"]: c["name"] for c in document["categories"]}
    found: Reading = {Path(image["file_name"]).name: [] for image in document["images"]}
    by_id = {image["id"]: Path(image["file_name"]).name for image in document["images"]}
    for a in document["annotations"]:
        left, top, width, height = a["bbox"]
        found[by_id[a["image_id"]]].append((names[a["category_id"]], left, top, left + width, top + height))
    return {name: sorted(boxes) for name, boxes in found.items()}


def _pycocotools(path: Path) -> Reading:
    api = COCO(str(path))
    document = {"images": api.loadImgs(api.getImgIds()), "annotations": api.loadAnns(api.getAnnIds())}
    return _coco_document({**document, "categories": api.loadCats(api.getCatIds())})


def _label_studio(root: Path, out: Path) -> Reading:
    config = (root / "label_config.xml").read_text()
    converter = Converter(config=config, project_dir=str(root), download_resources=False)
    converter.convert_to_coco(str(root / "tasks.json"), str(out), is_dir=False)
    return _coco_document(json.loads((out / "result.json").read_text()))


READERS: dict[str, tuple[str, Callable[[Path, Path], Reading]]] = {
    "VOC -> supervision": (
        "voc",
        lambda r, _: _supervision(sv.DetectionDataset.from_pascal_voc(str(r / "JPEGImages"), str(r / "Annotations"))),
    ),
    "VOC -> globox (reads xmin as the left edge)": (
        "voc",
        lambda r, _: _globox(globox.AnnotationSet.from_pascal_voc(r / "Annotations")),
    ),
    "COCO -> pycocotools": ("coco", lambda r, _: _pycocotools(r / "annotations/instances_train.json")),
    "COCO -> supervision": (
        "coco",
        lambda r, _: _supervision(
            sv.DetectionDataset.from_coco(str(r / "images/train"), str(r / "annotations/instances_train.json"))
        ),
    ),
    "COCO -> globox": (
        "coco",
        lambda r, _: _globox(globox.AnnotationSet.from_coco(r / "annotations/instances_train.json")),
    ),
    "CVAT -> globox": ("cvat", lambda r, _: _globox(globox.AnnotationSet.from_cvat(r / "annotations.xml"))),
    "LabelMe -> supervision": (
        "labelme",
        lambda r, _: _supervision(sv.DetectionDataset.from_labelme(str(r / "train"), str(r / "train"))),
    ),
    "LabelMe -> globox": ("labelme", lambda r, _: _globox(globox.AnnotationSet.from_labelme(r / "train"))),
    "Label Studio JSON -> label-studio-converter (COCO)": ("labelstudio", _label_studio),
}


def figures(boxes: PixelBoxes) -> dict[str, float]:
    exchange.PIXEL_BOXES.clear()
    exchange.PIXEL_BOXES.update(boxes)
    images = exchange.export_images(boxes)
    expected = exchange.expected_pixels()
    tmp = Path(tempfile.mkdtemp())
    result = {}
    for label, (fmt, read) in READERS.items():
        folder = tmp / fmt
        if not folder.exists():
            exchange.write(fmt, folder, images, ["train"] * len(images))
        result[label] = matched(expected, read(folder, tmp / f"{fmt}-peer"))
        result[f"{fmt} -> us"] = matched(expected, exchange.read_pixels(folder, fmt)[1])
    return result


def main() -> None:
    fixture = dict(exchange.PIXEL_BOXES)
    for name, boxes in (("fixture", fixture), ("random", random_boxes())):
        for label, value in figures(boxes).items():
            print(f"{name:8s} {label:52s} {value:.6f} px")


if __name__ == "__main__":
    main()
