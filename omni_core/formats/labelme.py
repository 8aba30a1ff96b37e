"""LabelMe: one ``<stem>.json`` beside each image (https://github.com/wkentaro/labelme, ``label_file.py``):
``imagePath`` (relative to the JSON file), ``imageWidth``/``imageHeight`` and ``shapes``.

A ``rectangle`` shape is two corners ``[[x1, y1], [x2, y2]]`` in any order, continuous pixel coordinates of
the upright image (no 1-based shift). A ``polygon`` is read as the upright box around it, said so in the
report, as supervision and globox read them; circles, lines and points are reported and not read. Each
shape is one box (``group_id`` is not used to merge shapes). A shape's ``flags`` ``{"difficult": true}``,
``truncated`` and ``occluded`` become box flags and are written back the same way.

Classes: ``labels.txt`` (the file ``labelme --labels`` takes, ``__ignore__``/``_background_`` lines
skipped) or ``classes.txt`` when present, else the shape labels in order of appearance. The writer puts
each split in its own folder (``train/a.jpg`` beside ``train/a.json``) so LabelMe opens each as a folder,
and writes ``labels.txt``; ``imageData`` is null (the image is beside it). The reader names images relative
to ``train/``, ``val/`` or ``test/`` when they are in one, so an export imports back under its own names.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from omni_core.confinement import Confinement
from omni_core.formats.boxes import pixel_box, tidy, to_pixels, unique_names
from omni_core.formats.images import IMAGE_SUFFIXES
from omni_core.formats.model import (
    FLAG_NAMES,
    ExportImage,
    ExportResult,
    ExportTarget,
    ParsedDataset,
    Problem,
    SourceImage,
)
from omni_core.formats.sources import add_images, enclosing, find_image, stated_or_measured_size

LABELS = "labels.txt"
#: folders the writer puts splits in; images are named relative to them
SPLITS = ("train", "val", "test")
#: lines of labelme's labels.txt that are not classes (its labelme2voc example starts with them)
NOT_CLASSES = ("__ignore__", "_background_")
#: the LabelMe file version written
VERSION = "5.5.0"


def _class_list(root: Path, parsed: ParsedDataset) -> list[str] | None:
    for name in (LABELS, "classes.txt"):
        if parsed.may_read(root / name) and (root / name).is_file():
            lines = [line.strip() for line in (root / name).read_text(encoding="utf-8-sig").splitlines()]
            return [line for line in lines if line and line not in NOT_CLASSES]
    return None


def read_labelme(
    root: Path, *, fallback_classes: Sequence[str], confinement: Confinement | None = None
) -> ParsedDataset:
    root = root.resolve()
    parsed = ParsedDataset("labelme", root, classes=None, confinement=confinement)
    documents: list[tuple[Path, dict[str, Any]]] = []
    for path in sorted(root.rglob("*.json")):
        if not parsed.may_read(path):
            continue
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError) as error:
            parsed.problems.append(Problem(parsed.relative(path), 0, f"not a readable JSON file ({error})"))
            continue
        if isinstance(data, dict) and isinstance(data.get("shapes"), list):
            documents.append((path, data))
    if not documents:
        parsed.problems.append(Problem(".", 0, 'no LabelMe JSON file (with "shapes") found; images are unlabelled'))
    listed = _class_list(root, parsed)
    found = [str(s.get("label", "")).strip() for _, d in documents for s in d["shapes"] if isinstance(s, dict)]
    parsed.classes = list(dict.fromkeys([*(listed or []), *(n for n in found if n)])) or list(fallback_classes)
    index = {name: i for i, name in enumerate(parsed.classes)}
    labelled: dict[Path, SourceImage] = {}
    for path, data in documents:
        image = _read_document(path, data, index, parsed)
        if image is not None:
            labelled[image.path] = image
    add_images(parsed, labelled, *(root / split for split in SPLITS if (root / split).is_dir()), root)
    return parsed


def _image_path(path: Path, data: dict[str, Any], root: Path) -> Path | None:
    named = str(data.get("imagePath") or "")
    found = find_image(root, named, [path.parent]) if named else None
    if found is not None:
        return found
    for suffix in sorted(IMAGE_SUFFIXES):  # LabelMe's own fallback: the image beside it with the same stem
        for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
            if candidate.is_file():
                return find_image(root, candidate.name, [path.parent])
    return None


def _read_document(
    path: Path, data: dict[str, Any], index: dict[str, int], parsed: ParsedDataset
) -> SourceImage | None:
    where = parsed.relative(path)
    image_path = _image_path(path, data, parsed.root)
    if image_path is None:
        embedded = " (imageData is not imported: keep the image file beside the JSON)" if data.get("imageData") else ""
        parsed.skipped.append(Problem(where, 0, f"its image {data.get('imagePath')!r} is not found{embedded}"))
        return None
    image = SourceImage(path=image_path, filename=image_path.name, labelled=True)
    size = stated_or_measured_size(image_path, data.get("imageWidth"), data.get("imageHeight"))
    if size is None:
        return image  # the probe at import time skips it with the reason
    width, height = size
    others: Counter[str] = Counter()
    for number, shape in enumerate(data["shapes"], start=1):
        if not isinstance(shape, dict):
            image.flagged = True
            parsed.problems.append(Problem(where, 0, f"shape {number} is not an object"))
            continue
        kind = str(shape.get("shape_type") or "polygon")  # LabelMe's default shape type
        name = str(shape.get("label", "")).strip()
        what = f"shape {number} ({kind} {name or 'without label'})"
        if kind not in ("rectangle", "polygon"):
            others[kind] += 1
            continue
        rect, note = _rect(shape.get("points"), kind)
        if note:
            parsed.problems.append(Problem(where, 0, f"{what}: {note}"))
        if rect is None or name not in index:
            image.flagged = True
            if name not in index:
                parsed.problems.append(Problem(where, 0, f"{what}: has no label"))
            continue
        box, message = pixel_box(index[name], *rect, width, height)
        if message:
            parsed.problems.append(Problem(where, 0, f"{what}: {message}"))
        if box is None:
            image.flagged = True
            continue
        flags = shape["flags"] if isinstance(shape.get("flags"), dict) else {}
        image.boxes.append(replace(box, flags=sum(f for n, f in FLAG_NAMES.items() if flags.get(n) is True)))
    if others:
        image.flagged = True
        shown = ", ".join(f"{count} {kind}" for kind, count in sorted(others.items()))
        parsed.problems.append(Problem(where, 0, f"{shown} shapes not read (rectangles and polygons only)"))
    return image


def _rect(points: Any, kind: str) -> tuple[tuple[float, float, float, float] | None, str]:
    try:
        pairs = [(float(x), float(y)) for x, y in points]
    except (TypeError, ValueError):
        return None, f"points {str(points)[:40]!r} are not [x, y] pairs"
    needed = 2 if kind == "rectangle" else 3
    if len(pairs) < needed:
        return None, f"a {kind} needs at least {needed} points, got {len(pairs)}"
    return enclosing(pairs), "" if kind == "rectangle" else "read as the upright box around the polygon"


def shapes_json(image: ExportImage, name: str, classes: Sequence[str]) -> bytes:
    shapes = []
    for box in image.boxes:
        left, top, width, height = to_pixels(box, image.width, image.height)
        shapes.append(
            {
                "label": classes[box.class_id],
                "points": [[tidy(left), tidy(top)], [tidy(left + width), tidy(top + height)]],
                "group_id": None,
                "description": "",
                "shape_type": "rectangle",
                "flags": {n: True for n, f in FLAG_NAMES.items() if box.flags & f},
            }
        )
    document: dict[str, Any] = {
        "version": VERSION,
        "flags": {},
        "shapes": shapes,
        "imagePath": name,
        "imageData": None,
        "imageHeight": image.height,
        "imageWidth": image.width,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def write_labelme(
    out: ExportTarget,
    classes: Sequence[str],
    images: Sequence[ExportImage],
    splits: Sequence[str],
    on_image: Callable[[int], None] = lambda done: None,
) -> ExportResult:
    """``<split>/NAME`` and ``<split>/STEM.json`` per image, then ``labels.txt``."""
    result = ExportResult()
    names = unique_names([f"{split}/{image.name}" for image, split in zip(images, splits, strict=True)])
    for done, (image, split, name) in enumerate(zip(images, splits, names, strict=True), start=1):
        out.put_bytes(name, image.data())
        out.put_bytes(f"{name.rsplit('.', 1)[0]}.json", shapes_json(image, name.rsplit("/", 1)[1], classes))
        result.images[split] = result.images.get(split, 0) + 1
        result.boxes += len(image.boxes)
        on_image(done)
    out.put_bytes(LABELS, "".join(f"{name}\n" for name in classes).encode())
    result.descriptors.append(LABELS)
    if any(box.confidence is not None for image in images for box in image.boxes):
        result.notes.append("LabelMe has no confidence: suggestions were written as plain boxes")
    return result
