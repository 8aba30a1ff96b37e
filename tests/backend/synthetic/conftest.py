"""A recording stand-in for the job system's ``JobContext``, and a store on a temporary folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from backend.storage.local import LocalStore
from omni_core.errors import JobCancelled


@dataclass
class RecordingContext:
    """Implements the ``JobContext`` protocol by remembering every call; optionally cancels after k checks."""

    scratch_dir: Path
    store: Any = None
    workspace_root: Path = Path()
    cancel_after: int | None = None
    job_id: str = "job-test"
    resumed_from: str = ""
    checks: int = 0
    progress_calls: list[tuple[int, int, str]] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    def progress(self, done: int, total: int = 0, *, unit: str = "", message: str = "") -> None:
        self.progress_calls.append((done, total, unit))

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        raise AssertionError("synthetic generation reports no metrics")

    def log(self, message: str, level: str = "info") -> None:
        self.logs.append((level, message))

    def artifact(self, key: str, kind: str, *, size_bytes: int = 0, sha256: str = "", description: str = "") -> None:
        self.artifacts.append({"key": key, "kind": kind, "size_bytes": size_bytes, "sha256": sha256})

    def set_output(self, name: str, value: str) -> None:
        self.outputs[name] = value

    @property
    def cancelled(self) -> bool:
        return self.cancel_after is not None and self.checks >= self.cancel_after

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise JobCancelled("cancelled by the test")
        self.checks += 1


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def store(out_dir: Path) -> LocalStore:
    return LocalStore(out_dir)


@pytest.fixture
def ctx(tmp_path: Path) -> RecordingContext:
    return RecordingContext(scratch_dir=tmp_path / "scratch")
