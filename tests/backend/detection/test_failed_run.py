"""A training run that fails once running (here: its data changed after it was accepted) still writes its
report, saying why; the job's own function is called directly with a recording context."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from backend.detection.params import TrainDetectionParams, validate_train_params
from backend.detection.run import run_training
from backend.reports.store import get_report, load_report
from backend.storage import LocalStore
from omni_core.errors import InvalidArgument


@dataclass
class Recorder:
    scratch_dir: Path
    store: Any
    job_id: str = "train_detection_failing"
    resumed_from: str = ""
    workspace_root: Path = Path()
    stop_reason: str = "cancelled"
    cancelled: bool = False
    logs: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    def progress(self, done: int, total: int = 0, *, unit: str = "", message: str = "") -> None:
        return

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        return

    def log(self, message: str, level: str = "info") -> None:
        self.logs.append(message)

    def artifact(self, key: str, kind: str, *, size_bytes: int = 0, sha256: str = "", description: str = "") -> None:
        return

    def set_output(self, name: str, value: str) -> None:
        self.outputs[name] = value

    def check_cancelled(self) -> None:
        return


def test_a_failed_run_writes_its_report(scenes: Path, tmp_path: Path, offline_ultralytics: Path) -> None:
    data = Path(shutil.copytree(scenes, tmp_path / "data"))
    for label in (data / "labels" / "val").glob("*.txt"):
        label.write_text("")  # after the job was accepted, someone emptied the validation labels
    store = LocalStore(tmp_path / "workspace")
    ctx = Recorder(scratch_dir=tmp_path / "scratch", store=store, workspace_root=store.root)
    ctx.scratch_dir.mkdir()
    params = validate_train_params(TrainDetectionParams(data=str(data / "data.yaml"), epochs=1, imgsz=64, device="cpu"))
    with pytest.raises(InvalidArgument, match="val: no labelled objects"):
        run_training(params, ctx)  # type: ignore[arg-type]
    report = load_report(store, ctx.job_id)
    assert report["state"] == "failed" and "val: no labelled objects" in report["error"]
    assert report["model"] is None and report["epochs"] == [] and ctx.outputs["report"] == ctx.job_id
    text = get_report(store, ctx.job_id, "text")
    assert "State: FAILED" in text and "No model was registered" in text
    assert "<h2>Per-class AP</h2>" in get_report(store, ctx.job_id, "html")
