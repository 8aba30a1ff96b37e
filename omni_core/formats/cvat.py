"""CVAT for images 1.1: one ``annotations.xml`` and the images under ``images/``, as CVAT exports a task or a
project "with images" (https://docs.cvat.ai/docs/manual/advanced/xml_format/).

Labels come from ``<meta>`` (``task/labels`` or ``project/labels``), then from boxes whose label ``<meta>``
does not list. Boxes are ``<box label xtl ytl xbr ybr occluded>`` in pixels of the upright image, edges as
continuous coordinates (CVAT's canvas; no 1-based shift, unlike VOC). ``occluded="1"`` and the checkbox
attributes ``difficult`` and ``truncated`` (what CVAT's own VOC import creates) become box flags.
A rotated box and a polygon are read as the upright rectangle around them, and said so in the report;
other shapes (points, lines, masks, skeletons, tags) are reported and not read.

The writer writes the file CVAT's "Upload annotations" takes: labels with the three flag attributes
declared, one ``<image>`` per image with its split as ``subset``, coordinates with two decimals as CVAT
writes them, suggestions as ``source="auto"``.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from omni_core.confinement import Confinement
from omni_core.formats.boxes import pixel_box, to_pixels, unique_names
from omni_core.formats.model import (
    FLAG_NAMES,
    BoxFlag,
    ExportImage,
    ExportResult,
    ExportTarget,
    ParsedDataset,
    Problem,
    SourceImage,
)
from omni_core.formats.sources import add_images, enclosing, find_image, stated_or_measured_size

ANNOTATIONS = "annotations.xml"
#: shapes read as their enclosing box
POLYGONS = ("polygon",)
TRUE = ("1", "true", "yes")


def _find_file(root: Path) -> Path | None:
    if (root / ANNOTATIONS).is_file():
        return root / ANNOTATIONS
    found = sorted(root.rglob(ANNOTATIONS))
    return found[0] if found else None


def read_cvat(root: Path, *, fallback_classes: Sequence[str], confinement: Confinement | None = None) -> ParsedDataset:
    root = root.resolve()
    parsed = ParsedDataset("cvat", root, classes=None, confinement=confinement)
    xml_path = _find_file(root)
    if xml_path is None or not parsed.may_read(xml_path):
        parsed.problems.append(Problem(".", 0, f"no {ANNOTATIONS} (CVAT for images 1.1) found; images are unlabelled"))
        parsed.classes = list(fallback_classes)
        add_images(parsed, {}, root)
        return parsed
    base = xml_path.parent
    where = parsed.relative(xml_path)
    try:
        document = ET.parse(xml_path).getroot()
    except (ET.ParseError, OSError) as error:
        parsed.problems.append(Problem(where, 0, f"not a readable XML file ({error})"))
        document = ET.Element("annotations")
    if document.find("track") is not None:
        tracks = len(document.findall("track"))
        parsed.problems.append(
            Problem(where, 0, f"{tracks} <track> elements (CVAT for video) not read: export as CVAT for images 1.1")
        )
    meta = document.find("meta")
    names = [(label.findtext("name") or "").strip() for label in meta.iter("label")] if meta is not None else []
    names += [(box.get("label") or "").strip() for image in document.iter("image") for box in image]
    parsed.classes = list(dict.fromkeys(n for n in names if n)) or list(fallback_classes)
    index = {name: i for i, name in enumerate(parsed.classes)}
    labelled: dict[Path, SourceImage] = {}
    for element in document.iter("image"):
        image = _read_image(element, base, index, where, parsed)
        if image is not None:
            labelled[image.path] = image
    folder = base / "images" if (base / "images").is_dir() else base
    add_images(parsed, labelled, folder)
    return parsed


def _read_image(
    element: ET.Element, base: Path, index: dict[str, int], where: str, parsed: ParsedDataset
) -> SourceImage | None:
    name = element.get("name") or ""
    subset = element.get("subset") or ""
    bases = [base / "images", *([base / "images" / subset] if subset else []), base]
    path = find_image(parsed.root, name, bases) if name else None
    if path is None:
        parsed.skipped.append(Problem(where, 0, f"image {name!r} is listed but not found under images/"))
        return None
    image = SourceImage(path=path, filename=path.name, labelled=True)
    size = stated_or_measured_size(path, element.get("width"), element.get("height"))
    if size is None:
        return image  # the probe at import time skips it with the reason
    width, height = size
    others: Counter[str] = Counter()
    for number, shape in enumerate(element, start=1):
        what = f"image {name!r}, {shape.tag} {number} ({shape.get('label') or 'no label'})"
        if shape.tag not in ("box", *POLYGONS):
            others[shape.tag] += 1
            continue
        if (shape.get("label") or "").strip() not in index:
            image.flagged = True
            parsed.problems.append(Problem(where, 0, f"{what}: has no label"))
            continue
        rect, note = _box_rect(shape) if shape.tag == "box" else _polygon_rect(shape)
        if note:
            parsed.problems.append(Problem(where, 0, f"{what}: {note}"))
        if rect is None:
            image.flagged = True
            continue
        box, message = pixel_box(index[(shape.get("label") or "").strip()], *rect, width, height)
        if message:
            parsed.problems.append(Problem(where, 0, f"{what}: {message}"))
        if box is None:
            image.flagged = True
        else:
            image.boxes.append(replace(box, flags=_flags(shape)))
    if others:
        image.flagged = True
        shown = ", ".join(f"{count} {tag}" for tag, count in sorted(others.items()))
        parsed.problems.append(Problem(where, 0, f"image {name!r}: {shown} not read (boxes and polygons only)"))
    return image


def _flags(shape: ET.Element) -> int:
    flags = BoxFlag.OCCLUDED if (shape.get("occluded") or "").lower() in TRUE else 0
    for attribute in shape.iter("attribute"):
        flag = FLAG_NAMES.get((attribute.get("name") or "").strip().lower())
        if flag is not None and (attribute.text or "").strip().lower() in TRUE:
            flags |= flag
    return int(flags)


Rect = tuple[float, float, float, float]


def _box_rect(shape: ET.Element) -> tuple[Rect | None, str]:
    """(left, top, width, height) of a ``<box>`` and a note for the report, or (None, why)."""
    try:
        xtl, ytl, xbr, ybr = (float(shape.get(key) or "") for key in ("xtl", "ytl", "xbr", "ybr"))
        rotation = float(shape.get("rotation") or 0)
    except ValueError:
        return None, "needs numeric xtl, ytl, xbr, ybr"
    if not math.isfinite(rotation):
        return None, f"rotation {rotation} is not a finite number"
    if rotation % 360:
        return enclosing(_rotated_corners(xtl, ytl, xbr, ybr, rotation)), (
            f"rotated {rotation:g} degrees; read as the upright box around it"
        )
    return (min(xtl, xbr), min(ytl, ybr), abs(xbr - xtl), abs(ybr - ytl)), ""


def _rotated_corners(xtl: float, ytl: float, xbr: float, ybr: float, degrees: float) -> list[tuple[float, float]]:
    """CVAT rotates a box clockwise (on screen, y down) about its centre."""
    cx, cy = (xtl + xbr) / 2, (ytl + ybr) / 2
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    corners = [(xtl, ytl), (xbr, ytl), (xbr, ybr), (xtl, ybr)]
    return [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in corners]


def _polygon_rect(shape: ET.Element) -> tuple[Rect | None, str]:
    try:
        points = [(float(x), float(y)) for x, y in (p.split(",") for p in (shape.get("points") or "").split(";"))]
    except ValueError:
        points = []
    if len(points) < 3:
        return None, f"points {(shape.get('points') or '')[:40]!r} is not a polygon"
    return enclosing(points), "read as the upright box around the polygon"


# -- writing ------------------------------------------------------------------------------------------------------


def _meta(classes: Sequence[str], count: int) -> ET.Element:
    meta = ET.Element("meta")
    task = ET.SubElement(meta, "task")
    ET.SubElement(task, "name").text = "Omni Studio export"
    ET.SubElement(task, "size").text = str(count)
    ET.SubElement(task, "mode").text = "annotation"
    labels = ET.SubElement(task, "labels")
    for name in classes:
        label = ET.SubElement(labels, "label")
        ET.SubElement(label, "name").text = name
        ET.SubElement(label, "type").text = "rectangle"
        attributes = ET.SubElement(label, "attributes")
        for flag_name in ("difficult", "truncated"):  # occluded is a box property in CVAT, not an attribute
            attribute = ET.SubElement(attributes, "attribute")
            ET.SubElement(attribute, "name").text = flag_name
            ET.SubElement(attribute, "mutable").text = "False"
            ET.SubElement(attribute, "input_type").text = "checkbox"
            ET.SubElement(attribute, "default_value").text = "false"
            ET.SubElement(attribute, "values").text = "false\ntrue"
    return meta


def annotations_xml(classes: Sequence[str], images: Sequence[tuple[ExportImage, str, str]]) -> bytes:
    """The whole file for (image, name in images/, split) triples."""
    root = ET.Element("annotations")
    ET.SubElement(root, "version").text = "1.1"
    root.append(_meta(classes, len(images)))
    for number, (image, name, split) in enumerate(images):
        attributes = {"id": str(number), "name": name, "subset": split}
        element = ET.SubElement(root, "image", {**attributes, "width": str(image.width), "height": str(image.height)})
        for box in image.boxes:
            left, top, width, height = to_pixels(box, image.width, image.height)
            shape = ET.SubElement(
                element,
                "box",
                {
                    "label": classes[box.class_id],
                    "source": "manual" if box.confidence is None else "auto",
                    "occluded": str(int(box.has(BoxFlag.OCCLUDED))),
                    "xtl": f"{left:.2f}",
                    "ytl": f"{top:.2f}",
                    "xbr": f"{left + width:.2f}",
                    "ybr": f"{top + height:.2f}",
                    "z_order": "0",
                },
            )
            for flag_name in ("difficult", "truncated"):
                attribute = ET.SubElement(shape, "attribute", {"name": flag_name})
                attribute.text = "true" if box.has(FLAG_NAMES[flag_name]) else "false"
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_cvat(
    out: ExportTarget,
    classes: Sequence[str],
    images: Sequence[ExportImage],
    splits: Sequence[str],
    on_image: Callable[[int], None] = lambda done: None,
) -> ExportResult:
    """``images/NAME`` for every image, then ``annotations.xml`` (splits as each image's ``subset``)."""
    result = ExportResult()
    names = unique_names([image.name for image in images])
    for done, (image, split, name) in enumerate(zip(images, splits, names, strict=True), start=1):
        out.put_bytes(f"images/{name}", image.data())
        result.images[split] = result.images.get(split, 0) + 1
        result.boxes += len(image.boxes)
        on_image(done)
    out.put_bytes(ANNOTATIONS, annotations_xml(classes, list(zip(images, names, splits, strict=True))))
    result.descriptors.append(ANNOTATIONS)
    return result
