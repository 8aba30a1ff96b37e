"""Label Studio JSON: the list of tasks Label Studio exports as "JSON" and imports with pre-annotations
(https://labelstud.io/guide/task_format, https://labelstud.io/tags/rectanglelabels).

Each task has ``data.image`` (an upload ``/data/upload/<project>/<hash>-<file>``, a local-storage
``/data/local-files/?d=<path>``, a URL or a relative path) and ``annotations`` whose ``result`` holds
``rectanglelabels`` regions: ``value.x``/``y``/``width``/``height`` in *percent* (0..100) of the image,
``x``/``y`` the top-left corner before ``value.rotation`` (degrees, clockwise about that corner). A
rotated region is read as the upright box around it and said so. The image is looked for under the
dataset folder by that path, then by its file name (with and without the upload hash) in ``images/``.

Of several annotations of one task the ground-truth one is used, else the last updated, and the report
says so; cancelled annotations are ignored. A task with no annotation but ``predictions`` gets them as
suggestions (``score`` as confidence) and is marked for review. Box flags are per-region ``choices``
results (same region ``id``, ``<Choices perRegion="true">`` named ``flags``) holding ``difficult``,
``truncated`` or ``occluded``; the writer writes them so and the ``label_config.xml`` that shows them.
The JSON-MIN export (``label``: list of regions with ``rectanglelabels``) is read too.

The writer's ``tasks.json`` names images ``/data/local-files/?d=images/<name>``: serve the export folder as
a Label Studio local-files storage (``LOCAL_FILES_DOCUMENT_ROOT``) and import ``tasks.json``.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse
from xml.sax.saxutils import quoteattr

from omni_core.confinement import Confinement
from omni_core.formats.boxes import pixel_box, unique_names
from omni_core.formats.images import UnusableImage, upright_size
from omni_core.formats.model import (
    FLAG_NAMES,
    Box,
    ExportImage,
    ExportResult,
    ExportTarget,
    ParsedDataset,
    Problem,
    SourceImage,
)
from omni_core.formats.sources import add_images, enclosing, find_image

TASKS = "tasks.json"
CONFIG = "label_config.xml"
#: Label Studio prefixes an uploaded file's name with 8 hex digits and a dash
UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")
#: keys of a JSON-MIN task that are not the image
MIN_KEYS = {"id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "label"}


def _documents(root: Path, parsed: ParsedDataset) -> list[tuple[Path, list[Any]]]:
    documents = []
    for path in sorted(root.rglob("*.json")):
        if not parsed.may_read(path):
            continue
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError) as error:
            parsed.problems.append(Problem(parsed.relative(path), 0, f"not a readable JSON file ({error})"))
            continue
        if isinstance(data, list) and any(isinstance(t, dict) and ("data" in t or "label" in t) for t in data):
            documents.append((path, data))
    return documents


def read_labelstudio(
    root: Path, *, fallback_classes: Sequence[str], confinement: Confinement | None = None
) -> ParsedDataset:
    root = root.resolve()
    parsed = ParsedDataset("labelstudio", root, classes=None, confinement=confinement)
    documents = _documents(root, parsed)
    if not documents:
        parsed.problems.append(Problem(".", 0, "no Label Studio JSON (a list of tasks) found; images are unlabelled"))
    tasks = [(path, number, task) for path, data in documents for number, task in enumerate(data, start=1)]
    regions = {
        id(task): _regions(task, parsed.relative(path), number, parsed)
        for path, number, task in tasks
        if isinstance(task, dict)
    }
    names = [label for found in regions.values() for region in found[0] for label in _labels(region)]
    parsed.classes = list(dict.fromkeys([*_config_labels(root, parsed), *names])) or list(fallback_classes)
    index = {name: i for i, name in enumerate(parsed.classes)}
    labelled: dict[Path, SourceImage] = {}
    for path, number, task in tasks:
        where = parsed.relative(path)
        if not isinstance(task, dict):
            parsed.problems.append(Problem(where, 0, f"task {number} is not an object"))
            continue
        image = _read_task(task, regions[id(task)], index, (where, f"task {task.get('id', number)}"), parsed)
        if image is not None:
            labelled[image.path] = image
    folder = root / "images" if (root / "images").is_dir() else root
    add_images(parsed, labelled, folder)
    return parsed


def _config_labels(root: Path, parsed: ParsedDataset) -> list[str]:
    """The ``<RectangleLabels>`` labels of a ``label_config.xml`` beside the tasks (our export writes one), so
    classes keep their order and the unused ones; [] without one."""
    path = root / CONFIG
    if not parsed.may_read(path) or not path.is_file():
        return []
    try:
        config = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as error:
        parsed.problems.append(Problem(CONFIG, 0, f"not a readable XML file ({error})"))
        return []
    labels = [label.get("value", "").strip() for tag in config.iter("RectangleLabels") for label in tag.iter("Label")]
    return [label for label in labels if label]


def _value(region: dict[str, Any]) -> dict[str, Any]:
    value = region.get("value")
    return value if isinstance(value, dict) else {}


def _labels(region: dict[str, Any]) -> list[str]:
    labels = _value(region).get("rectanglelabels")
    return [str(label).strip() for label in labels] if isinstance(labels, list) else []


#: the rectangle regions used, where they come from ("annotation", "prediction" or "" for none) and flags by region id
Found = tuple[list[dict[str, Any]], str, dict[str, int]]


def _regions(task: dict[str, Any], where: str, number: int, parsed: ParsedDataset) -> Found:
    if "data" not in task:  # JSON-MIN
        regions = task.get("label")
        if not isinstance(regions, list):
            return [], "", {}
        return [{"value": r} for r in regions if isinstance(r, dict) and "rectanglelabels" in r], "annotation", {}
    label = f"task {task.get('id', number)}"
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    kind = "annotation"
    if annotations:
        chosen = max(annotations, key=lambda a: (bool(a.get("ground_truth")), str(a.get("updated_at") or "")))
        if len(annotations) > 1:
            why = "the ground truth" if chosen.get("ground_truth") else "the last updated"
            parsed.problems.append(
                Problem(where, 0, f"{label}: {len(annotations)} annotations; used {why}, annotation {chosen.get('id')}")
            )
        results = chosen.get("result")
    else:
        predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
        if not predictions:
            return [], "", {}
        kind = "prediction"
        chosen = predictions[-1]
        score = chosen.get("score")
        results = [{**r, "score": r.get("score", score)} for r in chosen.get("result") or [] if isinstance(r, dict)]
    results = [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []
    flags: dict[str, int] = {}
    for result in results:
        if result.get("type") == "choices":
            choices = _value(result).get("choices")
            choices = choices if isinstance(choices, list) else []
            bits = sum(FLAG_NAMES[c] for c in FLAG_NAMES if c in choices)
            flags[str(result.get("id"))] = flags.get(str(result.get("id")), 0) | bits
    return [r for r in results if r.get("type") in ("rectanglelabels", "rectangle")], kind, flags


def _image_path(task: dict[str, Any], root: Path) -> tuple[str, Path | None]:
    data = task.get("data") if "data" in task else {k: v for k, v in task.items() if k not in MIN_KEYS}
    if not isinstance(data, dict):
        return "", None
    value = data.get("image")
    if not isinstance(value, str):
        value = next((v for v in data.values() if isinstance(v, str)), "")
    url = urlparse(value)
    local = parse_qs(url.query).get("d")  # local files: ?d=<path>, percent-encoded (parse_qs decodes it)
    name = local[0] if local else unquote(url.path)
    upload = UPLOAD_PREFIX.match(Path(name).name)
    return value, find_image(root, name, [root, root / "images"], strip=[upload[0]] if upload else [])


def _read_task(
    task: dict[str, Any],
    found: Found,
    index: dict[str, int],
    where: tuple[str, str],
    parsed: ParsedDataset,
) -> SourceImage | None:
    value, path = _image_path(task, parsed.root)
    file, what = where
    if path is None:
        parsed.skipped.append(Problem(file, 0, f"{what}: image {value!r} is not found in the export"))
        return None
    regions, kind, flags = found
    predicted = kind == "prediction"
    image = SourceImage(path=path, filename=path.name, labelled=bool(kind), flagged=predicted)
    if predicted:
        parsed.problems.append(Problem(file, 0, f"{what}: no annotation; its predictions become suggestions to review"))
    try:
        width, height = upright_size(path)
    except UnusableImage:
        return image  # the probe at import time skips it with the reason
    for number, region in enumerate(regions, start=1):
        box, note = _box(region, index, width, height)
        label = f"{what}, region {region.get('id', number)}"
        if note:
            parsed.problems.append(Problem(file, 0, f"{label}: {note}"))
        if box is None:
            image.flagged = True
            continue
        score = region.get("score")
        confidence = float(score) if isinstance(score, int | float) and 0 <= score <= 1 else 1.0 if predicted else None
        image.boxes.append(replace(box, confidence=confidence, flags=flags.get(str(region.get("id")), 0)))
    return image


def _box(region: dict[str, Any], index: dict[str, int], width: int, height: int) -> tuple[Box | None, str]:
    value = region.get("value")
    labels = _labels(region)
    if len(labels) != 1 or labels[0] not in index:
        return None, f"rectanglelabels {labels!r} is not one label"
    try:
        x, y, w, h = (float(value[key]) for key in ("x", "y", "width", "height"))  # type: ignore[index]
        rotation = float(value.get("rotation") or 0)  # type: ignore[union-attr]
    except (KeyError, TypeError, ValueError):
        return None, "value needs numeric x, y, width and height (percent)"
    if not math.isfinite(rotation):
        return None, f"rotation {rotation} is not a finite number"
    sx, sy = width / 100, height / 100
    rect = (x * sx, y * sy, w * sx, h * sy)
    note = ""
    if rotation % 360:
        cos, sin = math.cos(math.radians(rotation)), math.sin(math.radians(rotation))
        left, top, rw, rh = rect
        corners = [(left + u * cos - v * sin, top + u * sin + v * cos) for u, v in ((0, 0), (rw, 0), (rw, rh), (0, rh))]
        rect = enclosing(corners)
        note = f"rotated {rotation:g} degrees; read as the upright box around it"
    box, message = pixel_box(index[labels[0]], *rect, width, height)
    return box, "; ".join(m for m in (note, message) if m)


# -- writing ------------------------------------------------------------------------------------------------------


def label_config(classes: Sequence[str]) -> str:
    labels = "".join(f"    <Label value={quoteattr(name)}/>\n" for name in classes)
    flags = "".join(f"    <Choice value={quoteattr(name)}/>\n" for name in FLAG_NAMES)
    return (
        "<View>\n"
        '  <Image name="image" value="$image"/>\n'
        f'  <RectangleLabels name="label" toName="image">\n{labels}  </RectangleLabels>\n'
        '  <Choices name="flags" toName="image" perRegion="true" choice="multiple">\n'
        f"{flags}  </Choices>\n"
        "</View>\n"
    )


def _results(image: ExportImage, classes: Sequence[str], boxes: Sequence[Box], prefix: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for number, box in enumerate(boxes, start=1):
        region_id = f"{prefix}{number}"
        common = {"id": region_id, "to_name": "image", "original_width": image.width, "original_height": image.height}
        value = {
            "x": (box.x_center - box.width / 2) * 100,
            "y": (box.y_center - box.height / 2) * 100,
            "width": box.width * 100,
            "height": box.height * 100,
            "rotation": 0,
        }
        region = {**common, "from_name": "label", "type": "rectanglelabels", "image_rotation": 0}
        region["value"] = {**value, "rectanglelabels": [classes[box.class_id]]}
        if box.confidence is not None:
            region["score"] = box.confidence
        results.append(region)
        if box.flags:
            choices = [name for name, flag in FLAG_NAMES.items() if box.flags & flag]
            results.append({**common, "from_name": "flags", "type": "choices", "value": {**value, "choices": choices}})
    return results


def write_labelstudio(
    out: ExportTarget,
    classes: Sequence[str],
    images: Sequence[ExportImage],
    splits: Sequence[str],
    on_image: Callable[[int], None] = lambda done: None,
) -> ExportResult:
    """``images/NAME`` for every image, then ``tasks.json`` (one task per image, split in ``data.split``) and
    ``label_config.xml``."""
    result = ExportResult()
    names = unique_names([image.name for image in images])
    tasks = []
    for done, (image, split, name) in enumerate(zip(images, splits, names, strict=True), start=1):
        out.put_bytes(f"images/{name}", image.data())
        drawn = [box for box in image.boxes if box.confidence is None]
        suggested = [box for box in image.boxes if box.confidence is not None]
        task: dict[str, Any] = {
            "id": done,
            "data": {"image": f"/data/local-files/?d={quote(f'images/{name}', safe='/')}", "split": split},
            "annotations": [{"result": _results(image, classes, drawn, "b")}],
        }
        if suggested:
            score = min(box.confidence or 0.0 for box in suggested)
            task["predictions"] = [
                {"model_version": "omni", "score": score, "result": _results(image, classes, suggested, "s")}
            ]
        tasks.append(task)
        result.images[split] = result.images.get(split, 0) + 1
        result.boxes += len(image.boxes)
        on_image(done)
    out.put_bytes(TASKS, json.dumps(tasks, ensure_ascii=False, indent=1).encode())
    out.put_bytes(CONFIG, label_config(classes).encode())
    result.descriptors.extend([TASKS, CONFIG])
    return result
