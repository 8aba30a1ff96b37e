"""The source archive of a dispatch: this project's own code, the entry point and what the image lacks.

SageMaker's framework containers unpack ``sagemaker_submit_directory``, ``pip install -r requirements.txt``
and run ``sagemaker_program``; so the archive holds the ``omni_core``, ``backend`` and ``protos`` packages as this
backend runs them (no second trainer), a two-line entry script, and pins of the libraries the PyTorch image
does not ship. torch and torchvision come with the image and are never pinned here (that would download
gigabytes on every start). The archive is byte-for-byte reproducible, so its SHA-256 names it on the remote
and an unchanged backend uploads it once.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ENTRY_SCRIPT = "omni_sagemaker_entry.py"
ENTRY_SCRIPT_TEXT = (
    '"""SageMaker runs this; it is the same trainer a local run uses (backend.cloud.sagemaker.entry)."""\n'
    "from backend.cloud.sagemaker.entry import main\n\n"
    "raise SystemExit(main())\n"
)
PACKAGES = ("omni_core", "backend", "protos")
#: the libraries the entry point needs that the PyTorch training image does not have, at this backend's versions
CONTAINER_REQUIREMENTS = ("ultralytics", "pyyaml", "platformdirs")
SKIPPED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class SourceArchive:
    data: bytes
    sha256: str
    files: tuple[str, ...]

    @property
    def key_name(self) -> str:
        return f"source-{self.sha256[:16]}.tar.gz"


def requirements_text() -> str:
    lines = [f"{name}=={metadata.version(name)}" for name in CONTAINER_REQUIREMENTS]
    return "\n".join(lines) + "\n"


def package_files(root: Path) -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or path.is_symlink():
                continue
            if SKIPPED_PARTS.intersection(relative.parts) or path.suffix in SKIPPED_SUFFIXES:
                continue
            yield relative.as_posix(), path


def add_member(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o644, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    archive.addfile(info, io.BytesIO(data))


def reproducible_targz(members: list[tuple[str, bytes]]) -> bytes:
    """A .tar.gz of ``members`` (name, content) that is the same bytes for the same members: no times, owners or
    modes of this machine."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for name, data in members:
            add_member(archive, name, data)
    return buffer.getvalue()


def build_source_archive(root: Path | None = None) -> SourceArchive:
    """The archive of the code under ``root`` (default: where this backend is installed from)."""
    root = root or Path(__file__).resolve().parents[3]
    members = [(ENTRY_SCRIPT, ENTRY_SCRIPT_TEXT.encode()), ("requirements.txt", requirements_text().encode())]
    members += [(name, path.read_bytes()) for name, path in package_files(root)]
    data = reproducible_targz(members)
    return SourceArchive(data=data, sha256=hashlib.sha256(data).hexdigest(), files=tuple(name for name, _ in members))
