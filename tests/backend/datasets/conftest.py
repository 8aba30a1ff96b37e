"""Dataset fixtures: a workspace with its dataset service (in process), and a recording job context."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from backend.datasets.service import DatasetService
from backend.workspace import Workspace
from omni_core.errors import JobCancelled
from protos.omni.v1 import jobs_pb2, training_pb2


@dataclass
class JobRecorder:
    """The ``JobContext`` protocol, remembering what a job reported."""

    store: Any
    scratch_dir: Path
    job_id: str = "job-test"
    resumed_from: str = ""
    cancel: bool = False
    workspace_root: Path = Path()
    logs: list[tuple[str, str]] = field(default_factory=list)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    progress_calls: list[tuple[int, int]] = field(default_factory=list)
    items: list[jobs_pb2.ItemOutcome] = field(default_factory=list)

    def progress(self, done: int, total: int = 0, *, unit: str = "", message: str = "") -> None:
        self.progress_calls.append((done, total))

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        raise AssertionError("dataset jobs report no metrics")

    def log(self, message: str, level: str = "info") -> None:
        self.logs.append((level, message))

    def artifact(self, key: str, kind: str, *, size_bytes: int = 0, sha256: str = "", description: str = "") -> None:
        self.artifacts.append({"key": key, "kind": kind, "size_bytes": size_bytes, "sha256": sha256})

    def item(self, outcome: jobs_pb2.ItemOutcome) -> None:
        self.items.append(outcome)

    def evaluation(self, result: training_pb2.EvaluationResult) -> None:
        raise AssertionError("dataset jobs evaluate nothing")

    def set_output(self, name: str, value: str) -> None:
        self.outputs[name] = value

    @property
    def cancelled(self) -> bool:
        return self.cancel

    @property
    def stop_reason(self) -> str:
        return "cancelled" if self.cancel else ""

    def check_cancelled(self) -> None:
        if self.cancel:
            raise JobCancelled("cancelled by the test")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


@pytest.fixture
def service(workspace: Workspace) -> DatasetService:
    return DatasetService(workspace.store, workspace.state_dir)


@pytest.fixture
def job(workspace: Workspace, tmp_path: Path) -> JobRecorder:
    return JobRecorder(store=workspace.store, scratch_dir=tmp_path / "scratch")
