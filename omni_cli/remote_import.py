"""``omni dataset import`` for a backend on another machine: the client core's remote import
(``omni_core.datasets.remote_import``) with its progress and report printed to stderr."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from desktop.client import Connection
from omni_core.datasets.remote_import import ImportProgress
from omni_core.datasets.remote_import import remote_import as import_folder
from omni_core.errors import InvalidArgument


def _announce(progress: ImportProgress) -> None:
    if progress.sent == 0:
        print(f"uploading {progress.total} images to {progress.dataset} ...", file=sys.stderr)


def remote_import(connection: Connection, folder: Path, fmt: str, name: str, classes: Sequence[str]) -> int:
    try:
        report = import_folder(connection, folder, fmt, name, classes, progress=_announce)
    except InvalidArgument as error:
        print(f"omni: {error.message}", file=sys.stderr)
        return 1
    for _, line in report.lines():
        print(line, file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 0
