"""COCO detection datasets: ``annotations/instances_<split>.json`` with boxes in pixels (``[left, top, width,
height]``) and images under ``images/<split>/``.

Each instances file has its own category table (globox and Label Studio number each file's categories
from 0 or 1; two files need not agree on ids), so categories are matched *by name, per file*: the classes
are the category names of the first file in ascending id order, then names only later files have. COCO's
own ids have gaps; they never become class ids. The writer numbers categories ``class id + 1`` in every
file, deleted classes included, so reading an export back gives every class its id again.

Box flags travel in each annotation's ``attributes`` object (``{"occluded": false, ...}``), as CVAT's COCO
export writes them; pycocotools and Ultralytics ignore it.

Label Studio's COCO export names uploaded images ``/data/upload/<project>/<file>`` (or ``images\\<file>``);
an image not found where ``file_name`` says is looked for by its name in the export's ``images/``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from omni_core.confinement import Confinement
from omni_core.formats.boxes import image_size, pixel_box, tidy, to_pixels, unique_names
from omni_core.formats.images import UnusableImage, upright_size
from omni_core.formats.model import (
    FLAG_NAMES,
    ExportImage,
    ExportResult,
    ExportTarget,
    ParsedDataset,
    Problem,
    SourceImage,
)
from omni_core.formats.scan import image_files, name_images


def _instance_files(root: Path, parsed: ParsedDataset) -> list[Path]:
    annotations = root / "annotations"
    inside = sorted(annotations.glob("*.json")) if parsed.may_read(annotations) and annotations.is_dir() else []
    return [path for path in inside + sorted(root.glob("*.json")) if parsed.may_read(path)]


def _split_name(path: Path) -> str:
    return path.stem.removeprefix("instances_").removeprefix("instances") or path.stem


def read_coco(root: Path, *, fallback_classes: Sequence[str], confinement: Confinement | None = None) -> ParsedDataset:
    root = root.resolve()
    parsed = ParsedDataset("coco", root, classes=None, confinement=confinement)
    documents: list[tuple[Path, dict[str, Any]]] = []
    for path in _instance_files(root, parsed):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError) as error:
            parsed.problems.append(Problem(parsed.relative(path), 0, f"not a readable JSON file ({error})"))
            continue
        if not isinstance(data, dict) or not isinstance(data.get("images"), list):
            continue  # some other JSON (a report, a config): not ours to judge
        documents.append((path, data))
    if not documents:
        parsed.problems.append(
            Problem(".", 0, "no COCO instances file (annotations/*.json) found; images are unlabelled")
        )
    names = _categories(documents, parsed)
    parsed.classes = names or list(fallback_classes)
    index = {name: i for i, name in enumerate(names)}
    labelled: dict[Path, SourceImage] = {}
    sources: list[tuple[Path, list[Path]]] = []
    for path, data in documents:
        rank = {cid: index[name] for cid, name in _category_names(path, data, None).items()}
        images = _read_document(path, data, rank, parsed)
        labelled.update({image.path: image for image in images})
        sources.append((_images_root(path, root), [image.path for image in images]))
    # images beside the listed ones that no file mentions: unlabelled
    for folder in dict.fromkeys(folder for folder, _ in sources) if sources else [root]:
        extra = [p.resolve() for p in image_files(folder, parsed, exclude=(root / "annotations",))]
        sources.append((folder, [p for p in extra if p not in labelled]))
    for path, filename in name_images(sources):
        image = labelled.get(path) or SourceImage(path=path, filename=filename)
        image.filename = filename
        parsed.images.append(image)
    return parsed


def _categories(documents: list[tuple[Path, dict[str, Any]]], parsed: ParsedDataset) -> list[str]:
    """Class names: each file's category names in ascending id order, first file first, without repeats."""
    names: dict[str, None] = {}
    for path, data in documents:
        for name in _category_names(path, data, parsed).values():
            names.setdefault(name)
    return list(names)


def _category_names(path: Path, data: dict[str, Any], parsed: ParsedDataset | None) -> dict[int, str]:
    """This file's category id -> name, ascending id; entries without an id or name, or an id named twice,
    are reported (when ``parsed`` is given) and left out."""
    names: dict[int, str] = {}
    categories = data.get("categories")
    for category in categories if isinstance(categories, list) else []:
        try:
            cid, name = int(category["id"]), str(category["name"]).strip()
        except (KeyError, TypeError, ValueError, OverflowError):
            if parsed is not None:
                parsed.problems.append(Problem(parsed.relative(path), 0, f"category {category!r} lacks an id or name"))
            continue
        if names.get(cid, name) != name:
            if parsed is not None:
                parsed.problems.append(
                    Problem(parsed.relative(path), 0, f"category id {cid} is both {names[cid]!r} and {name!r}")
                )
            continue
        names[cid] = name
    return dict(sorted(names.items()))


def _images_root(path: Path, root: Path) -> Path:
    split = _split_name(path)
    for candidate in (root / "images" / split, root / split, root / "images", root):
        if candidate.is_dir():
            return candidate
    return root


def _locate(file_name: str, path: Path, root: Path, parsed: ParsedDataset) -> Path | None:
    """Where the image ``file_name`` is; candidates the reader may not read (outside a confined backend's
    workspace: an absolute ``file_name``, ``..``, a link) are never looked at."""
    split = _split_name(path)
    for base in (
        root / "images" / split,
        root / split,
        root / "images",
        root,
        path.parent,
        path.parent.parent / "images",
    ):
        if not parsed.may_read(base / file_name, report=False):
            continue
        candidate = (base / file_name).resolve()
        if candidate.is_file():
            return candidate
    return None


def _by_name(file_name: str, root: Path, parsed: ParsedDataset) -> Path | None:
    """An image named by a path from another machine (Label Studio: ``/data/upload/1/x.jpg``), found by its
    name alone in the export's ``images/`` folder (or a split folder under it); None if not exactly one."""
    name = PurePosixPath(file_name.replace("\\", "/")).name
    images = root / "images"
    if not name or not parsed.may_read(images / name, report=False) or not images.is_dir():
        return None
    candidates = (images / name, *(d / name for d in sorted(images.iterdir()) if d.is_dir()))
    found = [
        p.resolve()
        for p in candidates
        if parsed.may_read(p, report=False) and p.is_file() and p.resolve().is_relative_to(root)
    ]
    return found[0] if len(found) == 1 else None


def _id(value: Any) -> Any:
    """An id as a dict key: a JSON list or object (hostile input) becomes its text, which matches no id."""
    return repr(value) if isinstance(value, list | dict) else value


def _read_document(path: Path, data: dict[str, Any], rank: dict[int, int], parsed: ParsedDataset) -> list[SourceImage]:
    where = parsed.relative(path)
    by_id: dict[Any, tuple[SourceImage, int, int] | None] = {}
    for entry in data["images"]:
        file_name = str(entry.get("file_name", "")) if isinstance(entry, dict) else ""
        if not file_name:
            parsed.problems.append(Problem(where, 0, f"image entry {entry!r} has no file_name"))
            continue
        image_path = _locate(file_name, path, parsed.root, parsed) or _by_name(file_name, parsed.root, parsed)
        if image_path is None:
            if parsed.may_read(parsed.root / file_name):  # else it is listed as skipped with the reason
                parsed.skipped.append(Problem(where, 0, f"image {file_name!r} is listed but not found"))
            by_id[_id(entry.get("id"))] = None
            continue
        width, height = image_size(entry.get("width"), entry.get("height"))
        if width <= 0 or height <= 0:
            try:
                width, height = upright_size(image_path)
            except UnusableImage:
                width = height = 0  # the probe at import time skips it with the reason
        image = SourceImage(path=image_path, filename=file_name, labelled=True)
        by_id[_id(entry.get("id"))] = (image, width, height)
    for annotation in data.get("annotations") or []:
        _add_annotation(annotation, by_id, rank, where, parsed)
    return [found[0] for found in by_id.values() if found is not None]


def _add_annotation(
    annotation: Any,
    by_id: dict[Any, tuple[SourceImage, int, int] | None],
    rank: dict[int, int],
    where: str,
    parsed: ParsedDataset,
) -> None:
    if not isinstance(annotation, dict):
        parsed.problems.append(Problem(where, 0, f"annotation {annotation!r} is not an object"))
        return
    label = f"annotation {annotation.get('id', '?')}"
    if _id(annotation.get("image_id")) not in by_id:
        parsed.problems.append(
            Problem(where, 0, f"{label}: image_id {annotation.get('image_id')!r} is not a listed image")
        )
        return
    found = by_id[_id(annotation.get("image_id"))]
    if found is None:
        return  # its image is missing, which is reported already
    image, width, height = found
    label += f" ({image.filename})"
    if annotation.get("iscrowd"):
        parsed.problems.append(Problem(where, 0, f"{label}: crowd region, not a box; skipped"))
        return
    category = _id(annotation.get("category_id"))
    if category not in rank:
        image.flagged = True
        parsed.problems.append(Problem(where, 0, f"{label}: category_id {category!r} is not in the categories"))
        return
    bbox = annotation.get("bbox")
    if not (isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, int | float) for v in bbox)) or not width:
        image.flagged = True
        parsed.problems.append(Problem(where, 0, f"{label}: bbox {bbox!r} is not [left, top, width, height]"))
        return
    left, top, box_w, box_h = (float(v) for v in bbox)
    box, message = pixel_box(rank[category], left, top, box_w, box_h, width, height)
    if message:
        parsed.problems.append(Problem(where, 0, f"{label}: {message}"))
    if box is None:
        image.flagged = True
        return
    score = annotation.get("score")
    if isinstance(score, int | float) and 0 <= score <= 1:
        box = replace(box, confidence=float(score))
    attributes = annotation.get("attributes")
    if isinstance(attributes, dict):
        box = replace(box, flags=sum(flag for name, flag in FLAG_NAMES.items() if attributes.get(name) is True))
    image.boxes.append(box)


def write_coco(
    out: ExportTarget,
    classes: Sequence[str],
    images: Sequence[ExportImage],
    splits: Sequence[str],
    on_image: Callable[[int], None] = lambda done: None,
) -> ExportResult:
    """``images/<split>/NAME`` for every image, then ``annotations/instances_<split>.json`` per split."""
    result = ExportResult()
    categories = [{"id": i + 1, "name": name, "supercategory": ""} for i, name in enumerate(classes)]
    documents: dict[str, dict[str, Any]] = {}
    names = unique_names([f"{split}/{image.name}" for image, split in zip(images, splits, strict=True)])
    annotation_id = 0
    for done, (image, split, name) in enumerate(zip(images, splits, names, strict=True), start=1):
        out.put_bytes(f"images/{name}", image.data())
        document = documents.setdefault(split, _new_document(categories))
        image_id = len(document["images"]) + 1
        document["images"].append(
            {"id": image_id, "file_name": name.split("/", 1)[1], "width": image.width, "height": image.height}
        )
        for box in image.boxes:
            annotation_id += 1
            left, top, width, height = (tidy(v) for v in to_pixels(box, image.width, image.height))
            entry: dict[str, Any] = {
                "id": annotation_id,
                "image_id": image_id,
                "category_id": box.class_id + 1,
                "bbox": [left, top, width, height],
                "area": tidy(width * height),
                "iscrowd": 0,
                "segmentation": [],
            }
            if box.confidence is not None:
                entry["score"] = box.confidence
            entry["attributes"] = {name: bool(box.flags & flag) for name, flag in FLAG_NAMES.items()}
            document["annotations"].append(entry)
        result.images[split] = result.images.get(split, 0) + 1
        result.boxes += len(image.boxes)
        on_image(done)
    for split, document in sorted(documents.items()):
        key = f"annotations/instances_{split}.json"
        out.put_bytes(key, json.dumps(document, ensure_ascii=False).encode())
        result.descriptors.append(key)
    return result


def _new_document(categories: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "info": {"description": "exported by Omni Studio"},
        "licenses": [],
        "images": [],
        "annotations": [],
        "categories": categories,
    }
