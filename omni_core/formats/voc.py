"""Pascal VOC: ``Annotations/<stem>.xml`` (boxes in 1-based pixels), ``JPEGImages/``, ``ImageSets/Main/<split>.txt``.

VOC has no class list, so the writer adds ``classes.txt`` (names in id order) and the reader uses it (or
CVAT's ``labelmap.txt``) when present; without one, classes are the object names sorted alphabetically.

Pixels follow the VOC devkit (``VOCdevkit/VOCcode``; detectron2's ``pascal_voc.py``, supervision and
CVAT do the same): ``<bndbox>`` holds 1-based, *inclusive* pixel indices, so a box covering pixel columns
``left .. right - 1`` (0-based edges ``left``, ``right``) is ``xmin = left + 1``, ``xmax = right``. A 1-px
box has ``xmin == xmax``; a full-image box is ``1 .. width``. The devkit's files hold integers, so the
writer rounds each edge to the nearest pixel; readers accept decimals.

``<difficult>``, ``<truncated>`` and ``<occluded>`` (0/1) become box flags and are written back.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from omni_core.confinement import Confinement
from omni_core.formats.boxes import image_size, pixel_box, to_pixels, unique_names
from omni_core.formats.images import IMAGE_SUFFIXES, UnusableImage, upright_size
from omni_core.formats.model import (
    FLAG_NAMES,
    Box,
    BoxFlag,
    ExportImage,
    ExportResult,
    ExportTarget,
    ParsedDataset,
    Problem,
    SourceImage,
)
from omni_core.formats.scan import image_files, name_images


def _find_base(root: Path) -> Path:
    if (root / "Annotations").is_dir() or (root / "JPEGImages").is_dir():
        return root
    for found in sorted(root.rglob("Annotations")):
        if found.is_dir():
            return found.parent
    return root


def _class_list(base: Path, parsed: ParsedDataset) -> list[str] | None:
    classes = base / "classes.txt"
    if parsed.may_read(classes) and classes.is_file():
        return [line.strip() for line in classes.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    labelmap = base / "labelmap.txt"  # CVAT: "# label:color_rgb:parts:actions", then "name:r,g,b::" lines
    if parsed.may_read(labelmap) and labelmap.is_file():
        lines = [line.strip() for line in labelmap.read_text(encoding="utf-8-sig").splitlines()]
        return [line.split(":", 1)[0] for line in lines if line and not line.startswith("#")]
    return None


def _text(element: ET.Element | None, tag: str) -> str:
    found = element.find(tag) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def read_voc(root: Path, *, fallback_classes: Sequence[str], confinement: Confinement | None = None) -> ParsedDataset:
    root = root.resolve()
    parsed = ParsedDataset("voc", root, classes=None, confinement=confinement)
    base = _find_base(root)
    images_dir = base / "JPEGImages"
    listed = _class_list(base, parsed)
    documents: list[tuple[Path, ET.Element]] = []
    annotations = base / "Annotations"
    readable = parsed.may_read(annotations) and annotations.is_dir()
    for xml_path in sorted(annotations.rglob("*.xml")) if readable else []:
        if not parsed.may_read(xml_path):
            continue
        try:
            documents.append((xml_path, ET.parse(xml_path).getroot()))
        except (ET.ParseError, OSError) as error:
            parsed.problems.append(Problem(parsed.relative(xml_path), 0, f"not a readable XML file ({error})"))
    if not annotations.is_dir():
        parsed.problems.append(Problem(".", 0, "no Annotations/ folder found; images are unlabelled"))
    found_names = sorted({_text(obj, "name") for _, doc in documents for obj in doc.iter("object")} - {""})
    parsed.classes = listed if listed is not None else found_names or list(fallback_classes)
    index = {name: i for i, name in enumerate(parsed.classes)}
    labelled: dict[Path, SourceImage] = {}
    for xml_path, document in documents:
        image = _read_document(xml_path, document, images_dir, index, parsed)
        if image is not None:
            labelled[image.path] = image
    scan_root = images_dir if images_dir.is_dir() else base
    found = image_files(scan_root, parsed, exclude=(annotations,))
    for path, filename in name_images([(scan_root, sorted({*labelled, *(p.resolve() for p in found)}))]):
        image = labelled.get(path) or SourceImage(path=path, filename=filename)
        image.filename = filename
        parsed.images.append(image)
    return parsed


def _image_path(images_dir: Path, filename: str, stem: str, parsed: ParsedDataset) -> Path | None:
    """The image an annotation names; a ``filename`` the reader may not read (absolute, ``..``, a link out of
    a confined backend's workspace) is listed as skipped and never looked at."""
    if filename and parsed.may_read(images_dir / filename) and (images_dir / filename).is_file():
        return (images_dir / filename).resolve()
    for suffix in sorted(IMAGE_SUFFIXES):
        for candidate in (images_dir / f"{stem}{suffix}", images_dir / f"{stem}{suffix.upper()}"):
            if parsed.may_read(candidate, report=False) and candidate.is_file():
                return candidate.resolve()
    return None


def _read_document(
    xml_path: Path, document: ET.Element, images_dir: Path, index: dict[str, int], parsed: ParsedDataset
) -> SourceImage | None:
    where = parsed.relative(xml_path)
    path = _image_path(images_dir, _text(document, "filename"), xml_path.stem, parsed)
    if path is None:
        parsed.skipped.append(
            Problem(where, 0, f"its image {_text(document, 'filename') or xml_path.stem!r} is not in JPEGImages/")
        )
        return None
    image = SourceImage(path=path, filename=path.name, labelled=True)
    size = document.find("size")
    width, height = image_size(_text(size, "width"), _text(size, "height"))
    if width <= 0 or height <= 0:
        try:
            width, height = upright_size(path)
        except UnusableImage:
            return image  # the probe at import time skips it with the reason
    for number, obj in enumerate(document.iter("object"), start=1):
        name = _text(obj, "name")
        label = f"object {number} ({name or 'no name'})"
        if name not in index:
            image.flagged = True
            parsed.problems.append(Problem(where, 0, f"{label}: class {name!r} is not in the class list"))
            continue
        bndbox = obj.find("bndbox")
        try:
            xmin, ymin, xmax, ymax = (float(_text(bndbox, tag)) for tag in ("xmin", "ymin", "xmax", "ymax"))
        except ValueError:
            image.flagged = True
            parsed.problems.append(Problem(where, 0, f"{label}: bndbox needs numeric xmin, ymin, xmax, ymax"))
            continue
        # devkit: 1-based inclusive indices -> 0-based edges (left = xmin - 1, right = xmax)
        box, message = pixel_box(index[name], xmin - 1, ymin - 1, xmax - xmin + 1, ymax - ymin + 1, width, height)
        if message:
            parsed.problems.append(Problem(where, 0, f"{label}: {message}"))
        if box is None:
            image.flagged = True
        else:
            flags, problem = read_flags(obj)
            if problem:
                parsed.problems.append(Problem(where, 0, f"{label}: {problem}"))
            image.boxes.append(replace(box, flags=flags))
    return image


def read_flags(obj: ET.Element) -> tuple[int, str]:
    """The flag bits of an ``<object>`` (``<difficult>1</difficult>`` ...) and what was not 0/1, or ""."""
    flags, bad = 0, []
    for tag, flag in FLAG_NAMES.items():
        value = _text(obj, tag).lower()
        if value in ("1", "true", "yes"):
            flags |= flag
        elif value not in ("", "0", "false", "no"):
            bad.append(f"<{tag}> {value[:20]!r}")
    return int(flags), f"{', '.join(bad)} is not 0 or 1; taken as 0" if bad else ""


def devkit_corners(box: Box, image_w: int, image_h: int) -> tuple[int, int, int, int]:
    """(xmin, ymin, xmax, ymax) as the devkit writes them: edges rounded to whole pixels, then the left and
    top shifted to 1-based; at least one pixel wide and tall, never past the image."""
    left, top, width, height = to_pixels(box, image_w, image_h)
    x0, y0 = min(max(round(left), 0), image_w - 1), min(max(round(top), 0), image_h - 1)
    x1, y1 = max(min(round(left + width), image_w), x0 + 1), max(min(round(top + height), image_h), y0 + 1)
    return x0 + 1, y0 + 1, x1, y1


def _rounding(box: Box, image_w: int, image_h: int) -> float:
    """How far (px) the devkit's whole-pixel corners move the box's edges."""
    left, top, width, height = to_pixels(box, image_w, image_h)
    xmin, ymin, xmax, ymax = devkit_corners(box, image_w, image_h)
    return max(abs(xmin - 1 - left), abs(ymin - 1 - top), abs(xmax - left - width), abs(ymax - top - height))


def annotation_xml(image: ExportImage, name: str, classes: Sequence[str]) -> bytes:
    root = ET.Element("annotation")
    ET.SubElement(root, "folder").text = "JPEGImages"
    ET.SubElement(root, "filename").text = name
    size = ET.SubElement(root, "size")
    for tag, value in (("width", image.width), ("height", image.height), ("depth", 3)):
        ET.SubElement(size, tag).text = str(value)
    ET.SubElement(root, "segmented").text = "0"
    for box in image.boxes:
        obj = ET.SubElement(root, "object")
        ET.SubElement(obj, "name").text = classes[box.class_id]
        ET.SubElement(obj, "pose").text = "Unspecified"
        ET.SubElement(obj, "truncated").text = str(int(box.has(BoxFlag.TRUNCATED)))
        ET.SubElement(obj, "difficult").text = str(int(box.has(BoxFlag.DIFFICULT)))
        if box.has(BoxFlag.OCCLUDED):  # not in the devkit; CVAT's VOC export writes it
            ET.SubElement(obj, "occluded").text = "1"
        bndbox = ET.SubElement(obj, "bndbox")
        corners = devkit_corners(box, image.width, image.height)
        for tag, coordinate in zip(("xmin", "ymin", "xmax", "ymax"), corners, strict=True):
            ET.SubElement(bndbox, tag).text = str(coordinate)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_voc(
    out: ExportTarget,
    classes: Sequence[str],
    images: Sequence[ExportImage],
    splits: Sequence[str],
    on_image: Callable[[int], None] = lambda done: None,
) -> ExportResult:
    """``JPEGImages/NAME`` and ``Annotations/STEM.xml`` per image, then ``ImageSets/Main/*.txt`` and ``classes.txt``."""
    result = ExportResult()
    moved = [_rounding(box, image.width, image.height) for image in images for box in image.boxes]
    if any(m > 1e-6 for m in moved):
        result.notes.append(
            f"VOC holds whole pixels: {sum(m > 1e-6 for m in moved)} boxes were rounded to the nearest pixel "
            f"(edges moved by at most {max(moved):.2f} px)"
        )
    names = unique_names([image.name for image in images], flat=True)
    stems: dict[str, list[str]] = {}
    for done, (image, split, name) in enumerate(zip(images, splits, names, strict=True), start=1):
        stem = name.rsplit(".", 1)[0]
        out.put_bytes(f"JPEGImages/{name}", image.data())
        out.put_bytes(f"Annotations/{stem}.xml", annotation_xml(image, name, classes))
        stems.setdefault(split, []).append(stem)
        result.images[split] = result.images.get(split, 0) + 1
        result.boxes += len(image.boxes)
        on_image(done)
    sets = dict(stems)
    if "train" in stems and "val" in stems:
        sets["trainval"] = stems["train"] + stems["val"]
    for split, members in sorted(sets.items()):
        out.put_bytes(f"ImageSets/Main/{split}.txt", "".join(f"{stem}\n" for stem in members).encode())
    out.put_bytes("classes.txt", "".join(f"{name}\n" for name in classes).encode())
    result.descriptors.extend(["classes.txt", *(f"ImageSets/Main/{split}.txt" for split in sorted(sets))])
    return result
