"""Finding the images of a folder: image files by name, everything else that is not metadata listed as skipped."""

from __future__ import annotations

from pathlib import Path

from omni_core.formats.images import is_image_name, is_metadata_name, walk_files
from omni_core.formats.model import ParsedDataset, Problem


def image_files(folder: Path, parsed: ParsedDataset, *, exclude: tuple[Path, ...] = ()) -> list[Path]:
    """Image files under ``folder`` (recursively, sorted); other non-metadata files go to ``parsed.skipped``,
    and so do files (or ``folder`` itself) that ``parsed`` may not read, such as links out of the workspace."""
    found: list[Path] = []
    if not parsed.may_read(folder):
        return found
    for path in walk_files(folder):
        if any(path.is_relative_to(excluded) for excluded in exclude):
            continue
        if not parsed.may_read(path):
            continue
        if is_image_name(path):
            found.append(path)
        elif not is_metadata_name(path):
            parsed.skipped.append(
                Problem(parsed.relative(path), 0, f"not an image file ({path.suffix or 'no extension'})")
            )
    return found


def name_images(paths_by_source: list[tuple[Path, list[Path]]]) -> list[tuple[Path, str]]:
    """(path, filename) for images found under several source folders: the filename is relative to its
    source folder; one that two sources share is prefixed with its source folder's name."""
    named: list[tuple[Path, str]] = []
    taken: set[str] = set()
    seen: set[Path] = set()
    for source, paths in paths_by_source:
        for path in paths:
            if path in seen:  # e.g. val: images/train when a dataset has no validation images
                continue
            seen.add(path)
            name = path.relative_to(source).as_posix() if path.is_relative_to(source) else path.name
            if name in taken:
                name = f"{source.name}/{name}"
            counter = 1
            base = name
            while name in taken:
                counter += 1
                name = f"{base.rsplit('.', 1)[0]}_{counter}.{base.rsplit('.', 1)[-1]}"
            taken.add(name)
            named.append((path, name))
    return named
