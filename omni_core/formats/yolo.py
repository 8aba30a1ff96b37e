"""YOLO (Ultralytics) datasets: ``data.yaml`` + ``images/<split>/`` + ``labels/<split>/``, or a plain folder of
images with ``.txt`` labels beside them (and ``classes.txt``/``obj.names`` for the names).

A label line is ``class x_center y_center width height`` (normalized), optionally followed by a confidence
(what ``yolo predict save_conf`` writes); a polygon line (``class x1 y1 x2 y2 ...``) becomes its bounding
box, as Ultralytics does. The export is exactly what Ultralytics trains on: ``data.yaml`` has ``names``
and relative split folders and no ``path`` key (Ultralytics resolves a relative ``path`` against the
working directory, so it is left out and the yaml file's folder is used).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omni_core.confinement import Confinement
from omni_core.formats.boxes import clip_edges, edge_error, unique_names, value_error
from omni_core.formats.model import (
    Box,
    ExportImage,
    ExportResult,
    ExportTarget,
    ParsedDataset,
    Problem,
    SourceImage,
    flagged_boxes,
)
from omni_core.formats.scan import image_files, name_images

YAML_NAMES = ("data.yaml", "dataset.yaml", "data.yml", "dataset.yml")
CLASS_LIST_NAMES = ("classes.txt", "obj.names")
SPLIT_KEYS = ("train", "val", "test")
DATA_YAML = "data.yaml"


def _load_yaml(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


# -- reading -------------------------------------------------------------------------------------------


def read_yolo(root: Path, *, fallback_classes: Sequence[str], confinement: Confinement | None = None) -> ParsedDataset:
    """Parse a YOLO dataset folder; ``fallback_classes`` apply when it names no classes."""
    root = root.resolve()
    parsed = ParsedDataset("yolo", root, classes=None, confinement=confinement)
    yaml_file = next(
        (root / name for name in YAML_NAMES if parsed.may_read(root / name) and (root / name).is_file()), None
    )
    if yaml_file is not None:
        names, sources = _read_data_yaml(yaml_file, parsed)
    else:
        names, sources = _read_class_list(root, parsed), _plain_sources(root, parsed)
    parsed.classes = names if names is not None else list(fallback_classes)
    for path, filename in name_images(sources):
        parsed.images.append(_read_labels(path, filename, parsed))
    return parsed


def _read_data_yaml(yaml_file: Path, parsed: ParsedDataset) -> tuple[list[str] | None, list[tuple[Path, list[Path]]]]:
    where = parsed.relative(yaml_file)
    try:
        data = _load_yaml(yaml_file.read_text(encoding="utf-8-sig"))
    except Exception as error:  # noqa: BLE001 - any YAML error is reported, the folder is read without it
        parsed.problems.append(Problem(where, 0, f"cannot read it ({error}); reading the folder without it"))
        return _read_class_list(parsed.root, parsed), _plain_sources(parsed.root, parsed)
    if not isinstance(data, dict):
        parsed.problems.append(Problem(where, 0, "is not a YAML mapping; reading the folder without it"))
        return _read_class_list(parsed.root, parsed), _plain_sources(parsed.root, parsed)
    names = _names_from_yaml(data, where, parsed)
    base = yaml_file.parent
    if isinstance(data.get("path"), str) and data["path"].strip():
        given = Path(data["path"])
        # a relative `path` is taken relative to the yaml file, never to whatever the working directory is
        base = given if given.is_absolute() else (yaml_file.parent / given)
    sources: list[tuple[Path, list[Path]]] = []
    seen: set[Path] = set()
    for key in SPLIT_KEYS:
        value = data.get(key)
        entries = value if isinstance(value, list) else [value] if value else []
        for entry in entries:
            candidate = base / str(entry)
            if parsed.may_read(candidate, report=False):  # else _split_source reports it
                resolved = candidate.resolve()
                if resolved in seen:  # e.g. val: images/train when a dataset has no validation images
                    continue
                seen.add(resolved)
            sources.extend(_split_source(base, str(entry), key, where, parsed))
    if not sources:
        parsed.problems.append(Problem(where, 0, "names no train/val/test images; reading the whole folder"))
        sources = _plain_sources(parsed.root, parsed)
    return names, sources


def _names_from_yaml(data: dict[str, Any], where: str, parsed: ParsedDataset) -> list[str] | None:
    names = data.get("names")
    if isinstance(names, list):
        return [str(name) for name in names]
    if isinstance(names, dict):
        try:
            by_id = {int(key): str(value) for key, value in names.items()}
        except (TypeError, ValueError):
            parsed.problems.append(Problem(where, 0, "names: keys must be class ids 0, 1, 2, ..."))
            return None
        if sorted(by_id) != list(range(len(by_id))):
            parsed.problems.append(Problem(where, 0, f"names: ids must be 0..{len(by_id) - 1} without gaps"))
            return None
        return [by_id[i] for i in range(len(by_id))]
    if isinstance(data.get("nc"), int):
        return [f"class_{i}" for i in range(data["nc"])]
    parsed.problems.append(Problem(where, 0, "has no names; using the default classes"))
    return None


def _split_source(base: Path, entry: str, key: str, where: str, parsed: ParsedDataset) -> list[tuple[Path, list[Path]]]:
    path = Path(entry) if Path(entry).is_absolute() else base / entry
    if not parsed.may_read(path):
        return []
    if path.is_dir():
        return [(path, image_files(path, parsed))]
    if path.is_file() and path.suffix == ".txt":
        listed = []
        for line in path.read_text(encoding="utf-8-sig").splitlines():
            line = line.strip()
            if line:
                item = Path(line) if Path(line).is_absolute() else path.parent / line
                if parsed.may_read(item):
                    listed.append(item.resolve())
        return [(path.parent, listed)]
    parsed.problems.append(Problem(where, 0, f"{key}: {entry} does not exist"))
    return []


def _read_class_list(root: Path, parsed: ParsedDataset) -> list[str] | None:
    for name in CLASS_LIST_NAMES:
        path = root / name
        if parsed.may_read(path) and path.is_file():
            return [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    return None


def _plain_sources(root: Path, parsed: ParsedDataset) -> list[tuple[Path, list[Path]]]:
    """``images/<split>/`` folders when there is an ``images/`` folder, else the whole folder."""
    images = root / "images"
    if parsed.may_read(images) and images.is_dir():
        splits = sorted(p for p in images.iterdir() if p.is_dir() and not p.name.startswith("."))
        loose = [p for p in images.iterdir() if p.is_file()]
        if splits and not loose:
            return [(split, image_files(split, parsed)) for split in splits]
        return [(images, image_files(images, parsed))]
    return [(root, image_files(root, parsed, exclude=(root / "labels",)))]


def label_path(image: Path) -> Path:
    """Where Ultralytics looks for an image's labels: the last ``/images/`` becomes ``/labels/``, suffix ``.txt``."""
    text = os.fspath(image)
    marker = f"{os.sep}images{os.sep}"
    if marker in text:
        head, tail = text.rsplit(marker, 1)
        text = f"{head}{os.sep}labels{os.sep}{tail}"
    return Path(text.rsplit(".", 1)[0] + ".txt")


def _read_labels(path: Path, filename: str, parsed: ParsedDataset) -> SourceImage:
    image = SourceImage(path=path, filename=filename)
    labels = label_path(path)
    if not parsed.may_read(labels):
        image.flagged = True
        return image
    if not labels.is_file():
        return image
    image.labelled = True
    where = parsed.relative(labels)
    try:
        text = labels.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        parsed.problems.append(Problem(where, 0, f"cannot read the labels ({error}); the image keeps no boxes"))
        image.flagged = True
        return image
    n_classes = len(parsed.classes or [])
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        box, message = parse_line(line, n_classes)
        if message:
            parsed.problems.append(Problem(where, number, message))
        if box is None:
            image.flagged = True
        else:
            image.boxes.append(box)
    return image


def parse_line(line: str, n_classes: int) -> tuple[Box | None, str]:
    """(box, "") for a good line; (box, note) for a box clipped to the image; (None, why) for a refused line."""
    fields = line.split()
    shown = line.strip() if len(line.strip()) <= 80 else line.strip()[:77] + "..."
    try:
        numbers = [float(value) for value in fields]
    except ValueError:
        return None, f"malformed line {shown!r}: expected 'class x_center y_center width height'"
    if len(numbers) < 5 or (len(numbers) > 6 and len(numbers) % 2 == 0):
        return (
            None,
            f"malformed line {shown!r}: expected 'class x_center y_center width height', got {len(numbers)} values",
        )
    cls = numbers[0]
    if not math.isfinite(cls) or not cls.is_integer():
        return None, f"class {fields[0]!r} is not a whole number"
    if not 0 <= cls < n_classes:
        return None, f"class id {int(cls)} is beyond the class list ({n_classes} classes: ids 0..{n_classes - 1})"
    confidence = None
    if len(numbers) == 6:
        confidence = numbers[5]
        if not 0 <= confidence <= 1:
            return None, f"confidence {fields[5]} is outside 0..1"
    values = numbers[1:5] if len(numbers) <= 6 else _polygon_box(numbers[1:])
    x, y, w, h = values
    error = value_error(x, y, w, h)
    if error:
        return None, f"out of range: {error}"
    note = edge_error(x, y, w, h)
    if note:
        x, y, w, h = clip_edges(x, y, w, h)
        note += "; clipped to the image"
    return Box(int(cls), x, y, w, h, confidence), note


def _polygon_box(points: list[float]) -> list[float]:
    xs, ys = points[0::2], points[1::2]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    return [(left + right) / 2, (top + bottom) / 2, right - left, bottom - top]


# -- writing -------------------------------------------------------------------------------------------


def format_line(box: Box) -> str:
    return f"{box.class_id} {box.x_center:.6f} {box.y_center:.6f} {box.width:.6f} {box.height:.6f}"


def data_yaml(classes: Sequence[str], splits: set[str]) -> str:
    import yaml

    document: dict[str, Any] = {"train": "images/train", "val": "images/val" if "val" in splits else "images/train"}
    if "test" in splits:
        document["test"] = "images/test"
    document["nc"] = len(classes)
    document["names"] = dict(enumerate(classes))
    return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def _no_images_folder(name: str) -> str:
    """Ultralytics finds labels by replacing the *last* ``/images/`` of a path: a folder of that name inside
    a split would send it to the wrong place, so it is renamed."""
    *folders, base = name.split("/")
    return "/".join([*("images_" if folder == "images" else folder for folder in folders), base])


def write_yolo(
    out: ExportTarget,
    classes: Sequence[str],
    images: Sequence[ExportImage],
    splits: Sequence[str],
    on_image: Callable[[int], None] = lambda done: None,
) -> ExportResult:
    """``images/<split>/NAME`` and ``labels/<split>/STEM.txt`` for every image, then ``data.yaml``."""
    result = ExportResult()
    names = unique_names(
        [f"{split}/{_no_images_folder(image.name)}" for image, split in zip(images, splits, strict=True)]
    )
    for done, (image, split, name) in enumerate(zip(images, splits, names, strict=True), start=1):
        out.put_bytes(f"images/{name}", image.data())
        lines = "".join(format_line(box) + "\n" for box in image.boxes)
        out.put_bytes(f"labels/{name.rsplit('.', 1)[0]}.txt", lines.encode())
        result.images[split] = result.images.get(split, 0) + 1
        result.boxes += len(image.boxes)
        on_image(done)
    out.put_bytes(DATA_YAML, data_yaml(classes, set(result.images)).encode())
    result.descriptors.append(DATA_YAML)
    if flagged := flagged_boxes(images):
        result.notes.append(f"YOLO has no place for box flags: the flags of {flagged} boxes were not written")
    return result
