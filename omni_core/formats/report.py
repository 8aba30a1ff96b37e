"""The import report: what was added, what was already there, and every file or label that was refused.

The same report comes out of an in-place import (a job: a JSON artifact and log lines) and a remote
import (the CLI: printed), so a person reads one shape whichever way the images arrived.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from omni_core.formats.model import ParsedDataset, Problem

#: how many skipped files / problems are sent as log lines; the JSON report always has them all
MAX_LOG_LINES = 200


@dataclass
class ImportReport:
    dataset: str
    format: str
    source: str
    found: int = 0
    added: int = 0
    already_present: int = 0
    boxes: int = 0
    classes_added: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    #: the import was stopped before every image was sent (a remote import; a second run resumes it)
    cancelled: bool = False

    @classmethod
    def start(cls, dataset: str, parsed: ParsedDataset) -> ImportReport:
        return cls(
            dataset=dataset,
            format=parsed.format,
            source=str(parsed.root),
            found=len(parsed.images),
            skipped=list(parsed.skipped),
            problems=list(parsed.problems),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "format": self.format,
            "source": self.source,
            "images_found": self.found,
            "added": self.added,
            "already_present": self.already_present,
            "boxes": self.boxes,
            "classes_added": self.classes_added,
            "skipped": [p.to_json() for p in self.skipped],
            "problems": [p.to_json() for p in self.problems],
            "seconds": round(self.seconds, 3),
            "cancelled": self.cancelled,
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n").encode()

    def summary(self) -> str:
        return (
            f"{self.dataset}: {self.added} images added, {self.already_present} already there, "
            f"{len(self.skipped)} files skipped, {len(self.problems)} label problems, {self.boxes} boxes "
            f"({self.seconds:.1f} s)" + (" — cancelled: import again to send the rest" if self.cancelled else "")
        )

    def lines(self) -> list[tuple[str, str]]:
        """(level, message) log lines: the skipped files and the problems, capped at MAX_LOG_LINES."""
        entries = [("warning", f"skipped {p}") for p in self.skipped] + [("warning", str(p)) for p in self.problems]
        shown = entries[:MAX_LOG_LINES]
        if len(entries) > MAX_LOG_LINES:
            shown.append(("warning", f"... and {len(entries) - MAX_LOG_LINES} more: see the import report"))
        return shown
