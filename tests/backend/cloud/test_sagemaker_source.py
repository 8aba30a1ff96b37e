"""The source archive a dispatch uploads: reproducible, complete, and runnable as the container runs it."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

from backend.cloud.sagemaker.source import ENTRY_SCRIPT, build_source_archive


def test_archive_is_reproducible_and_holds_the_trainers_and_pins(tmp_path: Path) -> None:
    first, second = build_source_archive(), build_source_archive()
    assert first.sha256 == second.sha256 and first.data == second.data
    assert ENTRY_SCRIPT in first.files and "requirements.txt" in first.files
    assert "backend/restoration/trainer.py" in first.files and "backend/detection/trainer.py" in first.files
    assert not [name for name in first.files if "__pycache__" in name or name.endswith(".pyc")]
    with tarfile.open(fileobj=io.BytesIO(first.data)) as archive:
        requirements = archive.extractfile("requirements.txt").read().decode()  # type: ignore[union-attr]
        archive.extractall(tmp_path, filter="data")
    assert "ultralytics==" in requirements and "torch" not in requirements.replace("ultralytics", "")
    # the unpacked code imports on its own, as it would in the container (nothing from this checkout)
    probe = subprocess.run(
        [sys.executable, "-c", "import backend.cloud.sagemaker.source as s; print(s.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert probe.stdout.strip().startswith(str(tmp_path))


def test_a_changed_file_changes_the_archives_name(tmp_path: Path) -> None:
    for package in ("omni_core", "backend", "protos"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    before = build_source_archive(tmp_path)
    (tmp_path / "backend" / "__init__.py").write_text("# changed\n")
    after = build_source_archive(tmp_path)
    assert before.key_name != after.key_name
    assert after.files == (
        ENTRY_SCRIPT,
        "requirements.txt",
        "omni_core/__init__.py",
        "backend/__init__.py",
        "protos/__init__.py",
    )
