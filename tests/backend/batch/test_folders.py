"""The folder walk, the plan (output names, what is skipped and why, the OUT-inside-IN rules) and the
resume rule (which outputs count as complete)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from omni_core.batch.output import is_complete
from omni_core.batch.plan import ALREADY_DONE, check_folders, plan_outputs, reference_index
from omni_core.batch.walk import scan_folder
from omni_core.errors import InvalidArgument
from tests.backend.batch.conftest import write_images


def test_walk_lists_what_it_skips_and_survives_symlink_loops(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write_images(root, ["a b.png", "ü/é 1.jpg", "ü/deeper/c.tif", "other/d.webp"])
    (root / "notes.txt").write_text("not an image")
    (root / "anim.gif").write_bytes(b"GIF89a")
    (root / ".DS_Store").write_bytes(b"x")  # hidden: ignored silently
    (root / ".a b.png.x1.omni-partial").write_bytes(b"x")  # our own temporary file: ignored
    (root / "ü" / "deeper" / "loop").symlink_to("..", target_is_directory=True)
    (root / "twin").symlink_to("other", target_is_directory=True)
    (root / "dangling.png").symlink_to(tmp_path / "nowhere.png")
    scan = scan_folder(root, recursive=True)
    assert [f.relative for f in scan.images] == ["a b.png", "other/d.webp", "ü/deeper/c.tif", "ü/é 1.jpg"]
    reasons = {s.file: s.reason for s in scan.skipped}
    assert reasons["notes.txt"] == "not an image: unsupported extension .txt"
    assert reasons["anim.gif"] == "unsupported format: GIF (.gif)"
    assert reasons["dangling.png"] == "broken symbolic link"
    assert reasons["ü/deeper/loop/"].startswith("symbolic link loop: leads back to ")
    assert reasons["twin/"].startswith("the same folder as one already read")
    flat = scan_folder(root, recursive=False)
    assert [f.relative for f in flat.images] == ["a b.png"] and flat.subfolders_not_entered == 3


def test_out_inside_in_is_refused_only_where_it_would_be_read(tmp_path: Path) -> None:
    source = tmp_path / "in"
    write_images(source, ["a.png", "sub/b.png"])
    with pytest.raises(InvalidArgument, match=r"^out: .* is the input folder"):
        check_folders(source, source, recursive=False)
    with pytest.raises(InvalidArgument, match=r"^out: .* is inside the input folder and --recursive"):
        check_folders(source, source / "restored", recursive=True)
    check_folders(source, source / "restored", recursive=False)  # a flat walk never reads a subfolder
    # and the walk never enters OUT even through a link: a second run does not restore outputs again
    (source / "restored").mkdir()
    write_images(source / "restored", ["a.png"])
    (source / "link").symlink_to(source / "restored", target_is_directory=True)
    scan = scan_folder(source, recursive=True, exclude=source / "restored")
    assert [f.relative for f in scan.images] == ["a.png", "sub/b.png"]


def test_plan_names_outputs_and_refuses_clashes(tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    write_images(source, ["x.png", "x.jpg", "y.tif"])
    plan = plan_outputs(
        scan_folder(source, recursive=False),
        input_root=source,
        out_root=out,
        fmt="png",
        overwrite=False,
        recursive=False,
    )
    assert [(p.relative, p.output) for p in plan.todo] == [("x.jpg", "x.png"), ("y.tif", "y.png")]
    assert [(f.file, f.reason) for f in plan.failed] == [("x.png", "output name x.png is also that of x.jpg")]
    # IN inside OUT: an output that would land on an input is refused, file by file
    write_images(tmp_path / "box", ["in/in/a.png", "in/a.png"])
    inner = tmp_path / "box" / "in"
    plan = plan_outputs(
        scan_folder(inner, recursive=True),
        input_root=inner,
        out_root=tmp_path / "box",
        fmt="same",
        overwrite=True,
        recursive=True,
    )
    assert [p.output for p in plan.todo] == ["a.png"]  # box/a.png: outside IN, fine
    assert [(f.file, f.reason.split(" would ")[1]) for f in plan.failed] == [("in/a.png", "overwrite an input")]


def test_resume_skips_only_complete_outputs(tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    inputs = write_images(source, ["a.png", "b.jpg", "c.png", "d.png", "e.png"])
    outputs = write_images(out, ["a.png", "b.jpg", "c.png", "d.png"])
    data = outputs[2].read_bytes()
    outputs[2].write_bytes(data[: len(data) // 2])  # cut short (not by us: our writes are atomic)
    write_images(out, ["d.png"], size=(10, 10))  # another size: not a restoration of this input
    past = time.time() - 3600
    os.utime(outputs[1], (past, past))  # older than its input: the input changed since
    assert is_complete(outputs[0], inputs[0]) and not is_complete(outputs[1], inputs[1])
    plan = plan_outputs(
        scan_folder(source, recursive=False),
        input_root=source,
        out_root=out,
        fmt="same",
        overwrite=False,
        recursive=False,
        references=reference_index(out),
    )
    assert [s.file for s in plan.skipped if s.reason == ALREADY_DONE] == ["a.png"]
    assert [p.relative for p in plan.todo] == ["b.jpg", "c.png", "d.png", "e.png"]
    assert plan.missing_reference == ["e.png"]
    overwrite = plan_outputs(
        scan_folder(source, recursive=False),
        input_root=source,
        out_root=out,
        fmt="same",
        overwrite=True,
        recursive=False,
    )
    assert len(overwrite.todo) == 5
