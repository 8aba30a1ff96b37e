"""From the images found in IN to the work to do: each image's output path under OUT, its reference, and
what is left out (a complete output already there, a name two inputs would share, an output that would land
on an input). The same rules hold for a run on the backend and for the client of a remote run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from omni_core.batch.formats import is_readable_name, output_name
from omni_core.batch.output import is_complete
from omni_core.batch.walk import FolderScan, Skipped
from omni_core.errors import InvalidArgument

ALREADY_DONE = "already restored (complete output found)"


@dataclass(frozen=True)
class PlannedImage:
    relative: str  # under IN, POSIX
    source: Path
    output: str  # under OUT, POSIX
    target: Path
    reference: Path | None = None


@dataclass
class Plan:
    todo: list[PlannedImage] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # not for us to restore (not images, done, ...)
    failed: list[Skipped] = field(default_factory=list)  # images we must not restore (name clashes)
    found: int = 0  # images found in IN
    subfolders_not_entered: int = 0  # subfolders of IN a run without ``recursive`` did not read
    missing_reference: list[str] = field(default_factory=list)


def check_folders(source: Path, out: Path, *, recursive: bool) -> None:
    """Refuse an OUT that would make the run read its own outputs.

    OUT == IN would overwrite the inputs. OUT inside IN is refused with ``recursive`` (the walk would read
    it) and allowed without: a flat walk only reads IN's own files, and OUT is a folder below them.
    Outputs that could still land on an input (IN inside OUT) are refused file by file by the plan.
    """
    if out == source:
        raise InvalidArgument("out", f"{str(out)!r} is the input folder; the outputs would replace the inputs")
    if recursive and out.is_relative_to(source):
        raise InvalidArgument(
            "out",
            f"{str(out)!r} is inside the input folder and --recursive would read the outputs as inputs; "
            "choose a folder outside it, or restore without --recursive",
        )


def reference_index(folder: Path, allowed: Callable[[Path], bool] = lambda path: True) -> dict[str, Path]:
    """Clean references by their path without extension, so ``a/b.png`` matches ``a/b.jpg``; a file ``allowed``
    refuses (a link out of a confined backend's workspace) is not a reference."""
    index: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        if is_readable_name(path.name) and allowed(path) and path.is_file():
            index.setdefault(path.relative_to(folder).with_suffix("").as_posix(), path)
    return index


def _stem(relative: str) -> str:
    return str(PurePosixPath(relative).with_suffix(""))


def plan_outputs(
    scan: FolderScan,
    *,
    input_root: Path,
    out_root: Path,
    fmt: str,
    overwrite: bool,
    recursive: bool,
    references: dict[str, Path] | None = None,
) -> Plan:
    plan = Plan(skipped=list(scan.skipped), found=len(scan.images), subfolders_not_entered=scan.subfolders_not_entered)
    real_input = input_root.resolve()
    inputs = {found.path.resolve() for found in scan.images}
    claimed: dict[str, str] = {}
    for found in scan.images:
        output = output_name(found.relative, fmt)
        target = out_root / output
        if output in claimed:
            plan.failed.append(Skipped(found.relative, f"output name {output} is also that of {claimed[output]}"))
            continue
        claimed[output] = found.relative
        real_target = target.resolve()
        if real_target in inputs:
            plan.failed.append(Skipped(found.relative, f"its output {target} would overwrite an input"))
            continue
        if real_target.parent == real_input or (recursive and real_target.is_relative_to(real_input)):
            plan.failed.append(Skipped(found.relative, f"its output {target} would land where IN is read"))
            continue
        if not overwrite and target.exists() and is_complete(target, found.path):
            plan.skipped.append(Skipped(found.relative, ALREADY_DONE))
            continue
        reference = None
        if references is not None:
            reference = references.get(_stem(found.relative))
            if reference is None:
                plan.missing_reference.append(found.relative)
        plan.todo.append(PlannedImage(found.relative, found.path, output, target, reference))
    return plan
