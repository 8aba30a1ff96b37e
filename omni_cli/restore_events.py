"""``omni restore --remote --events jsonl``: a streamed run told as JSON lines on stdout, for a program
(the desktop's Batch view runs the CLI as a child process and reads them).

One object per line, flushed at once::

    {"type": "progress", "done": 3, "total": 10, "rate": 2.5, "eta_seconds": 2.8, "message": "sub/a.png"}
    {"type": "item", "item": {"input": "b.png", "reason": "cannot decode ...", ...}}
    {"type": "log", "level": "info" | "warning", "message": "model ..."}
    {"type": "end", "state": "finished" | "stopped" | "failed", "summary_text": PATH, "summary_json": PATH,
     "error": "", "restored": 9, "failed": 1, "subfolders_not_entered": 2}

An item line carries what became of one file: its ``item`` is the ``omni.v1.ItemOutcome`` message in its JSON
form with the proto's field names (``json_format``; fields at their default are left out), as a job's ``item``
event carries it; read it back with ``json_format.ParseDict``. Progress and log lines are for people: the
message of a progress line is the file just finished, but the item lines are what names files.

The end line comes last; its summary paths are empty when no summary was written by this run. SIGTERM
stops the run like Ctrl+C (``stop_on_sigterm``): the stream is cancelled, only whole outputs are left.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from google.protobuf import json_format

from protos.omni.v1 import jobs_pb2

EVENT_FORMATS = ("jsonl",)


def stop_on_sigterm() -> None:
    """Make SIGTERM raise KeyboardInterrupt (once; later ones are ignored while the run stops)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


class RestoreEvents:
    """The ``on_progress``/``on_log``/``on_item`` callbacks of ``restore_remote`` (any thread) and the end line."""

    def __init__(self, out: Path, stream: TextIO | None = None) -> None:
        from omni_core.batch.formats import SUMMARY_JSON, SUMMARY_TEXT

        self.stream = stream or sys.stdout
        self.lock = threading.Lock()
        out = out.resolve()  # as restore_remote resolves it
        self.summary_text, self.summary_json = out / SUMMARY_TEXT, out / SUMMARY_JSON
        self._before = _stat(self.summary_json)  # a summary left by an earlier run is not this run's
        self.restored = self.failures = 0  # counted from the item lines

    def _emit(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, ensure_ascii=False)
        with self.lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def progress(self, view: object) -> None:
        from omni_core.batch.remote import ProgressView

        assert isinstance(view, ProgressView)
        self._emit(
            {
                "type": "progress",
                "done": view.done,
                "total": view.total,
                "rate": view.rate,
                "eta_seconds": view.eta_seconds,
                "message": view.message,
            }
        )

    def log(self, message: str, level: str) -> None:
        self._emit({"type": "log", "level": level, "message": message})

    def item(self, outcome: jobs_pb2.ItemOutcome) -> None:
        with self.lock:
            self.restored += outcome.ok
            self.failures += not outcome.ok and not outcome.skipped
        self._emit({"type": "item", "item": json_format.MessageToDict(outcome, preserving_proto_field_name=True)})

    def end(self, state: str, error: str = "") -> None:
        """The last line: counts from the summary this run wrote, else from what the stream saw."""
        counts = {"restored": self.restored, "failed": self.failures, "subfolders_not_entered": 0}
        written = _stat(self.summary_json) not in (None, self._before)
        domain: dict[str, str] = {}
        if written:
            from omni_core.batch.summary import read_counts

            try:
                data = json.loads(self.summary_json.read_text(encoding="utf-8"))
                typed = read_counts(data)
                counts = {name: int(getattr(typed, name)) for name in counts}
                domain = {
                    "model_domain": str(data.get("model", {}).get("domain", "")),
                    "domain_warning": str(data.get("domain_warning", "")),
                }
            except (OSError, ValueError, AttributeError, TypeError, json_format.Error):
                pass  # counted from the stream instead
        paths = {"summary_text": "", "summary_json": ""}
        if written:
            paths = {"summary_text": str(self.summary_text), "summary_json": str(self.summary_json)}
        self._emit({"type": "end", "state": state, **paths, "error": error, **counts, **domain})
