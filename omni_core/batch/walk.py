"""Finding the images of a folder: sorted, optionally recursive, following symbolic links but never in a
circle, never into the output folder, and listing every file it will not read with the reason."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from omni_core.batch.formats import is_readable_name, unsupported_reason
from omni_core.confinement import OUTSIDE
from omni_core.partial import TEMP_SUFFIX


@dataclass(frozen=True)
class Found:
    relative: str  # POSIX path under the scanned root, e.g. "2024/scan 01.png"
    path: Path


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


@dataclass
class FolderScan:
    images: list[Found] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: subfolders a non-recursive scan did not enter
    subfolders_not_entered: int = 0


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and (path == folder or path.is_relative_to(folder))


def scan_folder(
    root: Path, *, recursive: bool, exclude: Path | None = None, allowed: Callable[[Path], bool] | None = None
) -> FolderScan:
    """The images under ``root`` in path order. Hidden files and our own temporary files are ignored;
    other files that are not images, broken links, unreadable folders and symlink loops are listed in
    ``skipped``. Nothing under ``exclude`` (the output folder, by its real path) is read, nor any entry
    ``allowed`` refuses (a link out of a confined backend's workspace: not even looked at)."""
    scan = FolderScan()
    real_exclude = exclude.resolve() if exclude is not None else None
    root_stat = root.stat()
    root_key = (root_stat.st_dev, root_stat.st_ino)
    visited = {root_key}
    # each folder to read, with the (device, inode) of the folders above it: a link to one of those is a loop
    pending: list[tuple[Path, str, frozenset[tuple[int, int]]]] = [(root, "", frozenset({root_key}))]
    while pending:
        folder, prefix, ancestors = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            scan.skipped.append(Skipped(prefix or ".", f"unreadable folder: {error.strerror or error}"))
            continue
        subfolders: list[tuple[Path, str, frozenset[tuple[int, int]]]] = []
        for entry in entries:
            relative = f"{prefix}{entry.name}"
            if entry.name.startswith(".") or entry.name.endswith(TEMP_SUFFIX):
                continue
            if allowed is not None and not allowed(Path(entry.path)):
                scan.skipped.append(Skipped(relative, OUTSIDE))
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = entry.is_file(follow_symlinks=True)
            except OSError as error:
                scan.skipped.append(Skipped(relative, f"unreadable: {error.strerror or error}"))
                continue
            if is_dir:
                if not recursive:
                    scan.subfolders_not_entered += 1
                    continue
                real = Path(entry.path).resolve()
                if _inside(real, real_exclude):
                    continue
                try:
                    stat = os.stat(entry.path)
                except OSError as error:
                    scan.skipped.append(Skipped(f"{relative}/", f"unreadable folder: {error.strerror or error}"))
                    continue
                key = (stat.st_dev, stat.st_ino)
                if key in ancestors:
                    reason = f"symbolic link loop: leads back to {real}; not followed"
                    scan.skipped.append(Skipped(f"{relative}/", reason))
                    continue
                if key in visited:
                    reason = f"the same folder as one already read ({real}); not read twice"
                    scan.skipped.append(Skipped(f"{relative}/", reason))
                    continue
                visited.add(key)
                subfolders.append((Path(entry.path), f"{relative}/", ancestors | {key}))
            elif is_file:
                if is_readable_name(entry.name):
                    scan.images.append(Found(relative, Path(entry.path)))
                else:
                    scan.skipped.append(Skipped(relative, unsupported_reason(entry.name)))
            elif entry.is_symlink():
                scan.skipped.append(Skipped(relative, "broken symbolic link"))
            else:
                scan.skipped.append(Skipped(relative, "not a regular file"))
        pending.extend(reversed(subfolders))
    scan.images.sort(key=lambda found: found.relative)
    return scan
