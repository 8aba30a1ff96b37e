"""A full disk stops the run with a clear error and leaves nothing half-written: outputs are whole files
or absent, and the temporary file of the write that failed is gone."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path
from typing import BinaryIO

import pytest
from PIL import Image

from backend.batch.pipeline import Pipeline, Task, file_sink
from backend.inference.restorer import Restorer
from omni_core.batch.outcome import Outcome
from omni_core.batch.output import DiskFull, remove_partials, write_atomic
from omni_core.partial import TEMP_SUFFIX
from tests.backend.batch.conftest import write_images


class _FillsUp:
    """A file that takes ``room`` bytes, then fails like a full disk."""

    def __init__(self, handle: BinaryIO, room: int) -> None:
        self.handle, self.room = handle, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.handle.write(data[: self.room])
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.handle.write(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self.handle, name)

    def __enter__(self) -> _FillsUp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def test_write_atomic_on_a_full_disk_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "a.png"
    target.write_bytes(b"the old, whole file")

    def opener(path: Path) -> tuple[BinaryIO, Path]:
        temp = path.with_name(f".{path.name}.x{TEMP_SUFFIX}")
        return _FillsUp(temp.open("wb"), 10), temp  # type: ignore[return-value]

    with pytest.raises(DiskFull, match=r"^out: cannot write .*a\.png: No space left on device"):
        write_atomic(target, b"x" * 100, opener=opener)
    assert target.read_bytes() == b"the old, whole file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]
    (tmp_path / f".b.png.123{TEMP_SUFFIX}").write_bytes(b"left by a killed run")
    (tmp_path / f".b.png.123{TEMP_SUFFIX}.png").write_bytes(b"and the encoder's file beside it")
    assert remove_partials(tmp_path) == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_the_pipeline_stops_at_the_first_full_disk(tiny_onnx: Path, tmp_path: Path) -> None:
    from backend.inference.engine import open_engine

    inputs = write_images(tmp_path / "in", [f"{n:02d}.png" for n in range(12)])
    out = tmp_path / "out"
    writes: list[str] = []
    real = file_sink(out)

    def sink(task: Task, data: bytes) -> int:
        if len(writes) == 3:
            raise DiskFull(f"out: cannot write {out / task.output}: No space left on device")
        writes.append(task.output)
        return real(task, data)

    outcomes: list[Outcome] = []
    pipeline = Pipeline(Restorer(open_engine(tiny_onnx).run, tile=0), sink=sink, report=outcomes.append)
    with pytest.raises(DiskFull):
        pipeline.run(Task(p.name, p, p.name) for p in inputs)
    assert len(outcomes) == 3 and all(o.restored for o in outcomes)  # nothing written or reported after it
    assert sorted(p.name for p in out.iterdir()) == sorted(writes)


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def test_a_real_full_disk(tiny_onnx: Path, tmp_path: Path) -> None:
    """On a 200 KiB tmpfs (needs root and mount; skipped elsewhere) with outputs of ~15 KiB each."""
    out = tmp_path / "small-disk"
    if os.geteuid() != 0 or not _mount_tmpfs(out, "200k"):
        pytest.skip("cannot mount a small tmpfs here")
    try:
        from backend.inference.engine import open_engine

        inputs = write_images(tmp_path / "in", [f"{n:02d}.png" for n in range(30)], size=(96, 96))
        outcomes: list[Outcome] = []
        pipeline = Pipeline(Restorer(open_engine(tiny_onnx).run, tile=0), sink=file_sink(out), report=outcomes.append)
        with pytest.raises(DiskFull, match="No space left on device"):
            pipeline.run(Task(p.name, p, p.name) for p in inputs)
        written = sorted(p.name for p in out.iterdir())
        assert written and len(written) < 30
        assert not [name for name in written if TEMP_SUFFIX in name]
        for name in written:
            with Image.open(out / name) as image:
                image.load()  # whole files only
    finally:
        subprocess.run(["umount", str(out)], check=False)
