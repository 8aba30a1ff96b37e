"""The self-check's report: what ran, how long it took, what failed and why. Qt-free; written as JSON."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PASSED, FAILED, SKIPPED, NOT_RUN = "passed", "failed", "skipped", "not run"


def process_age_s() -> float | None:
    """Seconds since this process started (Linux's /proc, 10 ms ticks); None where that is not known."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))


@dataclass
class StepResult:
    name: str
    status: str
    seconds: float = 0.0
    detail: str = ""


@dataclass
class SelfCheckReport:
    backend_address: str = ""
    backend_version: str = ""
    backend_api_version: str = ""
    frozen: bool = False  # run from the PyInstaller bundle
    #: process start -> main window shown (None where the process start is unknown)
    first_window_s: float | None = None
    window_shown_unix: float | None = None  # wall clock, for a caller timing from outside
    box: dict[str, Any] | None = None  # the box the check drew, as the backend saved it
    restore: dict[str, Any] | None = None  # the model, the folders and the files restored
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.status in (PASSED, SKIPPED) for step in self.steps)

    def window_shown(self) -> None:
        age = process_age_s()
        self.first_window_s = round(age, 3) if age is not None else None
        self.window_shown_unix = time.time()

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}

    def write(self, path: Path) -> None:
        """Atomically: a reader never sees half a report."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        os.replace(temporary, path)
