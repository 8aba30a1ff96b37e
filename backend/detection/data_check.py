"""Checking a YOLO ``data.yaml`` before any training starts, and writing the copy the trainer reads.

Refused (``InvalidArgument`` naming the field): a file that is not YAML, no classes, ``nc`` disagreeing
with ``names``, a missing ``train``/``val`` entry or folder, a split without images, a label naming a
class id beyond the class list, and a train or val split without a single labelled object. Other bad
label lines are warnings (Ultralytics skips those images).

The copy (``write_resolved``) has every path absolute. A relative ``path:`` is taken relative to the
yaml file, as ``omni_core.formats.yolo`` reads it; Ultralytics 8.4 would resolve it against the working
directory, and it would read relative lines of a ``.txt`` image list that way too, so lists are rewritten.

On a confined backend (``omni_core.confinement``) the yaml, its ``path:``, every split entry, every image and
every label folder must resolve inside the workspace (PermissionDenied naming the field otherwise): the
trainer reads those files and Ultralytics writes ``labels/<split>.cache`` beside the label folders.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omni_core.confinement import Confinement, PathChecker, unconfined
from omni_core.errors import InvalidArgument, shown
from omni_core.formats.images import is_image_name, walk_files
from omni_core.formats.yolo import label_path, parse_line

SPLITS = ("train", "val", "test")
REQUIRED_SPLITS = ("train", "val")
MAX_EXAMPLES = 5


@dataclass
class SplitSummary:
    images: list[Path] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # the yaml's entries, as absolute paths
    label_files: int = 0
    empty_label_files: int = 0
    instances: Counter[int] = field(default_factory=Counter)

    def to_report(self, names: list[str]) -> dict[str, Any]:
        return {
            "images": len(self.images),
            "label_files": self.label_files,
            "empty_label_files": self.empty_label_files,
            "images_without_labels": len(self.images) - self.label_files,
            "instances": sum(self.instances.values()),
            "instances_by_class": {name: self.instances.get(i, 0) for i, name in enumerate(names)},
            "sources": self.sources,
        }


@dataclass
class DataCheck:
    yaml_path: Path
    names: list[str]
    splits: dict[str, SplitSummary]
    warnings: list[str] = field(default_factory=list)
    bad_lines: int = 0

    def to_report(self) -> dict[str, Any]:
        return {
            "data_yaml": str(self.yaml_path),
            "classes": self.names,
            "splits": {name: split.to_report(self.names) for name, split in self.splits.items()},
            "bad_label_lines": self.bad_lines,
            "warnings": self.warnings,
        }

    def write_resolved(self, folder: Path) -> Path:
        """``folder/data.yaml`` with absolute paths only (image lists written beside it); returns its path."""
        import yaml

        folder.mkdir(parents=True, exist_ok=True)
        document: dict[str, Any] = {}
        for name, split in self.splits.items():
            listing = folder / f"{name}.txt"
            listing.write_text("".join(f"{path}\n" for path in split.images), encoding="utf-8")
            document[name] = str(listing)
        document["nc"] = len(self.names)
        document["names"] = dict(enumerate(self.names))
        target = folder / "data.yaml"
        target.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return target


def _load(path: Path, field_name: str) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        raise InvalidArgument(field_name, f"{shown(path)} is not a file on the backend")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InvalidArgument(field_name, f"{path.name} cannot be read as YAML ({error})") from None
    if not isinstance(document, dict):
        raise InvalidArgument(field_name, f"{path.name} is not a YAML mapping with train, val and names")
    return document


def class_names(document: dict[str, Any], where: str, field_name: str) -> list[str]:
    names, nc = document.get("names"), document.get("nc")
    if isinstance(names, dict):
        try:
            by_id = {int(key): str(value) for key, value in names.items()}
        except (TypeError, ValueError):
            raise InvalidArgument(field_name, f"{where}: names must map class ids 0, 1, 2, ... to names") from None
        if sorted(by_id) != list(range(len(by_id))):
            raise InvalidArgument(field_name, f"{where}: names must have ids 0..{len(by_id) - 1} without gaps")
        listed = [by_id[i] for i in range(len(by_id))]
    elif isinstance(names, list):
        listed = [str(name) for name in names]
    elif names is None and isinstance(nc, int) and nc > 0:
        listed = [f"class_{i}" for i in range(nc)]
    else:
        raise InvalidArgument(field_name, f"{where} names no classes (add names: [dent, rust, ...])")
    if not listed:
        raise InvalidArgument(field_name, f"{where} names no classes")
    if nc is not None and (not isinstance(nc, int) or nc != len(listed)):
        raise InvalidArgument(field_name, f"class-count mismatch in {where}: nc is {nc} but names lists {len(listed)}")
    return listed


def _entry_images(entry: Path, key: str, where: str, field_name: str, checker: PathChecker) -> list[Path]:
    if entry.is_dir():
        return [_checked(path, checker, field_name) for path in walk_files(entry) if is_image_name(path)]
    if entry.is_file() and entry.suffix == ".txt":
        images = []
        for line in entry.read_text(encoding="utf-8-sig").splitlines():
            text = line.strip()
            if text:
                item = Path(text)
                images.append(checker.policy.resolve(item if item.is_absolute() else entry.parent / item, field_name))
        missing = [path for path in images if not path.is_file()]
        if missing:
            raise InvalidArgument(
                field_name,
                f"{where}: {key}: {len(missing)} images listed in {entry.name} are missing, e.g. {missing[0]}",
            )
        return images
    raise InvalidArgument(field_name, f"{where}: {key}: {entry} does not exist")


def _checked(path: Path, checker: PathChecker, field_name: str) -> Path:
    """``path`` itself (not resolved: Ultralytics finds labels by its name), if it resolves where it may."""
    checker.require(path, field_name)
    return path


def _check_label_folders(split: SplitSummary, policy: Confinement, field_name: str) -> None:
    """Every folder the trainer reads labels from, and the one it writes ``<folder>.cache`` into, is allowed."""
    for folder in {label_path(image).parent for image in split.images}:
        policy.resolve(folder, field_name)
        policy.resolve(folder.parent, field_name)


def _read_labels(
    split: SplitSummary, names: list[str], check: DataCheck, field_name: str, checker: PathChecker
) -> None:
    for image in split.images:
        labels = label_path(image)
        checker.require(labels, field_name)  # a label file linked from elsewhere is neither read nor trained on
        if not labels.is_file():
            continue
        split.label_files += 1
        try:
            text = labels.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            check.bad_lines += 1
            check.warnings.append(f"{labels}: cannot be read ({error})")
            continue
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            split.empty_label_files += 1
        for number, line in enumerate(lines, start=1):
            box, message = parse_line(line, len(names))
            if box is None and "beyond the class list" in message:
                raise InvalidArgument(
                    field_name,
                    f"class-count mismatch: {labels}:{number}: {message}; fix the labels or the names in "
                    f"{check.yaml_path.name}",
                )
            if box is None:
                check.bad_lines += 1
                if len(check.warnings) < MAX_EXAMPLES:
                    check.warnings.append(f"{labels}:{number}: {message} (Ultralytics skips this image)")
                continue
            split.instances[box.class_id] += 1


def check_data_yaml(path: Path, field_name: str = "data", confinement: Confinement | None = None) -> DataCheck:
    """The summary of a usable ``data.yaml`` at ``path``, or InvalidArgument (PermissionDenied for files outside
    a confined backend's workspace) naming ``field_name``."""
    policy = confinement or unconfined()
    checker = PathChecker(policy)
    path = policy.resolve(path, field_name)
    document = _load(path, field_name)
    where = path.name
    names = class_names(document, where, field_name)
    base = path.parent
    given = document.get("path")
    if isinstance(given, str) and given.strip():
        base = policy.resolve(Path(given) if Path(given).is_absolute() else (path.parent / given), field_name)
    check = DataCheck(path, names, {})
    for key in SPLITS:
        value = document.get(key)
        if not value:
            if key in REQUIRED_SPLITS:
                raise InvalidArgument(field_name, f"{where} has no {key}: entry (a folder or list of images)")
            continue
        split = SplitSummary()
        for item in value if isinstance(value, list) else [value]:
            entry = policy.resolve(Path(str(item)) if Path(str(item)).is_absolute() else base / str(item), field_name)
            split.sources.append(str(entry))
            split.images.extend(_entry_images(entry, key, where, field_name, checker))
        split.images = sorted(dict.fromkeys(split.images))
        if not split.images:
            raise InvalidArgument(field_name, f"{where}: {key}: no images in {', '.join(split.sources)}")
        _check_label_folders(split, policy, field_name)
        _read_labels(split, names, check, field_name, checker)
        check.splits[key] = split
    for key in REQUIRED_SPLITS:
        split = check.splits[key]
        if not split.instances:
            raise InvalidArgument(
                field_name,
                f"{where}: {key}: no labelled objects in {len(split.images)} images ({split.label_files} label "
                f"files, {split.empty_label_files} empty); "
                + ("label some images first" if key == "train" else "validation needs labelled objects to measure"),
            )
    return check
