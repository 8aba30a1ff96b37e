"""Helpers the readers of tool exports share (CVAT, LabelMe, Label Studio): finding the image a label file
names, and adding the images no label file names as unlabelled.

A name read from inside a file is only ever looked up *under the dataset folder*: an absolute path, a
``..`` or a symlink that leads outside it is not followed (the file is then found by its name alone, or
reported as missing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from omni_core.formats.model import ParsedDataset, SourceImage
from omni_core.formats.scan import image_files, name_images


def _inside(root: Path, candidate: Path) -> Path | None:
    """``candidate`` resolved, if it is a file under ``root`` (looked at only then); None for names no file
    system takes (a NUL, a name too long) and symlink loops too."""
    try:
        resolved = candidate.resolve()
        return resolved if resolved.is_relative_to(root) and resolved.is_file() else None
    except (OSError, RuntimeError, ValueError):
        return None


def find_image(root: Path, name: str, bases: Sequence[Path], *, strip: Iterable[str] = ()) -> Path | None:
    """The image ``name`` (as a label file wrote it, '/' or '\\' separated, possibly a path from another
    machine) under one of ``bases``: first as a relative path, then by its file name alone, then by its file
    name less one of the ``strip`` prefixes (Label Studio's upload hash). Never outside ``root``."""
    posix = PurePosixPath(name.replace("\\", "/"))
    relative = PurePosixPath(*[part for part in posix.parts if part not in ("/", "..")])
    names = [posix.name, *(posix.name.removeprefix(prefix) for prefix in strip if posix.name.startswith(prefix))]
    for candidate in [base / relative for base in bases if not posix.is_absolute()] + [
        base / n for n in names if n for base in bases
    ]:
        found = _inside(root, candidate)
        if found is not None:
            return found
    return None


def add_images(parsed: ParsedDataset, labelled: dict[Path, SourceImage], *folders: Path) -> None:
    """Append the labelled images and every other image under the ``folders`` (unlabelled) to
    ``parsed.images``, each named relative to the first folder that holds it (split folders first, then the
    dataset folder)."""
    last = folders[-1]
    found = [p.resolve() for p in image_files(last, parsed)] if last.is_dir() else []
    everything = sorted({*labelled, *found})
    sources = [(folder.resolve(), [p for p in everything if p.is_relative_to(folder.resolve())]) for folder in folders]
    sources.append((last.resolve(), everything))  # labelled images outside every folder: by their name
    for path, filename in name_images(sources):
        image = labelled.get(path) or SourceImage(path=path, filename=filename)
        image.filename = filename
        parsed.images.append(image)


def enclosing(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    """(left, top, width, height) of the upright rectangle around ``points``."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def stated_or_measured_size(path: Path, width: object, height: object) -> tuple[int, int] | None:
    """The size a label file states for ``path``, else the image's own (upright); None when neither is usable
    (the probe at import time then skips the image with the reason)."""
    from omni_core.formats.boxes import image_size
    from omni_core.formats.images import UnusableImage, upright_size

    size = image_size(width, height)
    if size != (0, 0):
        return size
    try:
        return upright_size(path)
    except UnusableImage:
        return None
