"""The desktop bundle for tests and bench/bundle.py: build it, look inside it, run its self-check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from desktop.client import Connection

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "installers" / "desktop" / "omni-desktop.spec"
NAME = "omni-desktop"
#: what must never be in the bundle: the backend's stack (and our backend itself)
FORBIDDEN = ("torch", "torchvision", "onnxruntime", "cv2", "ultralytics", "backend", "boto3", "minio", "sagemaker")
BUILD_TIMEOUT_S = 600


@dataclass(frozen=True)
class Bundle:
    folder: Path
    build_s: float

    @property
    def executable(self) -> Path:
        return self.folder / NAME

    def files(self) -> list[tuple[str, int]]:
        """Every file (not links) as (path relative to the folder, size in bytes)."""
        return sorted(
            (str(path.relative_to(self.folder)), path.stat().st_size)
            for path in self.folder.rglob("*")
            if path.is_file() and not path.is_symlink()
        )

    def size_bytes(self) -> int:
        return sum(size for _name, size in self.files())

    def modules(self) -> list[str]:
        """The Python modules frozen into the executable's archive (PYZ)."""
        from PyInstaller.archive.readers import CArchiveReader

        archive = CArchiveReader(str(self.executable))
        pyz_name = next(name for name, entry in archive.toc.items() if entry[-1] == "z")
        return sorted(archive.open_embedded_archive(pyz_name).toc)


def build(dist: Path, work: Path) -> Bundle:
    """PyInstaller on the spec, from scratch (``--clean``): what ``make bundle`` runs."""
    began = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(SPEC),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"pyinstaller failed ({result.returncode}):\n{result.stderr[-5000:]}")
    return Bundle(dist / NAME, time.monotonic() - began)


def make_scratch_dataset(connection: Connection, name: str, folder: Path, classes: tuple[str, ...]) -> str:
    """A dataset of one 640x480 image; its image id."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "first.png"
    Image.linear_gradient("L").resize((640, 480)).convert("RGB").save(path)
    connection.create_dataset(name, classes)
    (result,) = connection.upload_images(name, [(path, path.name)])
    assert not result.error, result.error
    return result.image_id


def self_check(
    command: list[str], report: Path, args: list[str], *, env: dict[str, str] | None = None, timeout_s: float = 120
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run ``command --self-check REPORT ARGS`` offscreen; its exit and its report (``{}`` if none)."""
    report.unlink(missing_ok=True)
    result = subprocess.run(
        [*command, "--self-check", str(report), *args],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    return result, json.loads(report.read_text()) if report.exists() else {}
