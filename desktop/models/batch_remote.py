"""A batch restore streamed from this machine, Qt-free: the images are here, the model on the backend.

The desktop does not import the backend, so it runs the client half of the run as a child process of the
CLI (as it runs ``omni serve``): ``omni restore IN OUT --remote --backend ADDRESS ... --events jsonl``. One
implementation of the walk, plan, resume, atomic writes and summary serves the CLI and the desktop. This
module builds the child's command (the token travels in its environment, never on its command line) and
splits its stdout into JSON objects, which ``BatchRunModel.apply_stream_line`` reads.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.client.connection import BackendTarget
from desktop.models.batch_model import AUTO_TILE, CURRENT, BatchFields, absolute

EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class ChildCommand:
    argv: list[str]
    #: set in the child's environment on top of this process's (the token: never on a command line)
    env: dict[str, str]


def restore_command(fields: BatchFields, target: BackendTarget, *, python: str = sys.executable) -> ChildCommand:
    """``omni restore`` streaming ``fields``' folders to ``target``, telling its progress as JSON lines.

    The form and the CLI share their conventions (tile 0 = whole images, overlap 0 = none), so the numbers
    go as they are; the CLI maps them to the spec's sentinels."""
    model = fields.model.strip() or CURRENT
    argv = [python, "-m", "omni_cli", "restore", str(absolute(fields.input)), str(absolute(fields.out))]
    argv += ["--remote", "--backend", target.address, "--model", model]
    if model == CURRENT:
        argv += ["--layer", str(fields.layer)]
    if fields.recursive:
        argv.append("--recursive")
    if fields.tile != AUTO_TILE:  # no --tile: the CLI's automatic tiles
        argv += ["--tile", str(fields.tile)]
    argv += ["--overlap", str(fields.overlap)]
    argv += ["--format", fields.format, "--quality", str(fields.quality)]
    if fields.overwrite:
        argv.append("--no-resume")
    if target.tls_ca is not None:
        argv += ["--tls-ca", str(Path(target.tls_ca).expanduser().absolute())]
    elif target.tls:
        argv.append("--tls")
    argv += ["--events", "jsonl"]
    return ChildCommand(argv, {"OMNI_TOKEN": target.token, "PYTHONUNBUFFERED": "1"})


class JsonLines:
    """Splits output read in arbitrary chunks into JSON objects, one per complete line; other lines are
    skipped."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        *lines, self._pending = (self._pending + data).split(b"\n")
        return [obj for obj in map(_parse, lines) if obj is not None]

    def flush(self) -> list[dict[str, Any]]:
        """The last line, if the output ended without a newline."""
        line, self._pending = self._pending, b""
        obj = _parse(line)
        return [obj] if obj is not None else []


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        obj = json.loads(line.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def exit_error(exit_code: int, stderr: str) -> str:
    """Why a child that ended without its end line did: its last words on stderr, else its exit status."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if lines:
        return lines[-1].removeprefix("omni: ")
    if exit_code == EXIT_INTERRUPTED:
        return "interrupted"
    if exit_code < 0:
        return "the restore process crashed"
    return f"the restore process ended with status {exit_code}"
