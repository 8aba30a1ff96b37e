"""From the images found in IN to a batch detection's work: each image's outputs under OUT, the names two
images would share (left out, listed), and which images are done already (resume). The same rules for the
``detect_batch`` job and for the client of a streamed run (``omni_core.batch.remote_detect``). Light imports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from omni_core.batch.walk import FolderScan
from omni_core.detection.batch_output import OutputPaths, is_done
from omni_core.errors import InvalidArgument, shown

DONE_BEFORE = "already detected with the same model and settings"
SKIPPED = "skipped"  # a problem's status: a file not read on purpose
CORRUPT = "corrupt"  # an image that could not be read


@dataclass(frozen=True)
class Planned:
    relative: str
    source: Path
    paths: OutputPaths

    def annotated(self, out: Path) -> str:
        """The annotated image's path under OUT (POSIX): the item's ``output``."""
        return self.paths.annotated.relative_to(out).as_posix()


@dataclass
class Work:
    todo: list[Planned]
    done: list[Planned]
    problems: list[dict[str, str]]  # files not read, with the reason
    subfolders_not_entered: int  # subfolders of IN a run without ``recursive`` did not read


def check_out(source: Path, out: Path, *, recursive: bool) -> None:
    """Refuse an OUT the run would read its outputs from (IN itself, or inside IN with ``recursive``)."""
    if out == source:
        raise InvalidArgument("out", f"{shown(out)} is the input folder; choose another folder for the results")
    if recursive and out.is_relative_to(source):
        raise InvalidArgument("out", f"{shown(out)} is inside the input folder, which --recursive would read")


def plan_work(scan: FolderScan, out: Path) -> Work:
    """Every image to detect in (``todo``), before resume: see ``split_done``."""
    problems = [{"file": s.file, "status": SKIPPED, "reason": s.reason} for s in scan.skipped]
    todo: list[Planned] = []
    claimed: dict[str, str] = {}
    for found in scan.images:
        stem = str(PurePosixPath(found.relative).with_suffix(""))
        if stem in claimed:
            reason = f"its outputs would have the names of {claimed[stem]}'s (same name, other extension)"
            problems.append({"file": found.relative, "status": SKIPPED, "reason": reason})
            continue
        claimed[stem] = found.relative
        todo.append(Planned(found.relative, found.path, OutputPaths.of(out, found.relative)))
    return Work(todo, [], problems, scan.subfolders_not_entered)


def split_done(work: Work, identity: dict[str, Any], *, overwrite: bool) -> None:
    """Move the images whose outputs are complete for this model and these settings to ``done``."""
    if overwrite:
        return
    todo: list[Planned] = []
    for item in work.todo:
        (work.done if is_done(item.paths, item.source, identity) else todo).append(item)
    work.todo = todo
