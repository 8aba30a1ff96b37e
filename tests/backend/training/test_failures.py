"""Failure paths of a training run, in process: a diverging loss stops the run with a failed report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from backend.restoration import trainer
from backend.restoration.params import TrainRestorationParams
from backend.restoration.run import run_training
from backend.storage import LocalStore
from omni_core.errors import FailedPrecondition
from tests.backend.synthetic.conftest import RecordingContext


class _Exploding(torch.nn.Module):
    """A network whose output turns to NaN: what a too-high learning rate eventually produces."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale * float("nan")


class _ExplodingLater(torch.nn.Module):
    """A network that learns nothing for its first training steps, then answers a million times too bright:
    a finite loss that explodes, as a diverging run's does."""

    def __init__(self, calm_steps: int) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(1))
        self.calm_steps, self.steps = calm_steps, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.steps += 1
        return x * self.scale * (1.0 if self.steps <= self.calm_steps else 1e6)


class _MetricContext(RecordingContext):
    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        self.logs.append(("metric", f"{name}={value}"))


def _pairs(root: Path, count: int = 4) -> Path:
    for side in ("clean", "degraded"):
        (root / side).mkdir(parents=True)
    for i in range(count):
        image = np.random.default_rng(i).integers(0, 255, (40, 40, 3), dtype=np.uint8)
        Image.fromarray(image).save(root / "clean" / f"{i}.png")
        Image.fromarray(255 - image).save(root / "degraded" / f"{i}.png")
    return root


def test_nan_loss_fails_the_run_and_the_report_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trainer, "build_network", lambda config: _Exploding())
    store = LocalStore(tmp_path / "ws")
    ctx = _MetricContext(scratch_dir=tmp_path / "scratch", store=store, job_id="train_restoration_nan")
    (tmp_path / "scratch").mkdir()
    params = TrainRestorationParams(
        data=str(_pairs(tmp_path / "data")),
        layer=1,
        epochs=2,
        batch_size=2,
        patch=16,
        val_split=0.25,
        device="cpu",
        num_workers=-1,
    )
    with pytest.raises(FailedPrecondition, match="loss became nan"):
        run_training(params, ctx)
    report = json.loads(store.get_bytes("training-outputs/reports/train_restoration_nan/report.json"))
    assert report["state"] == "failed"
    assert "loss became nan" in report["error"]
    assert any("learning rate" in item for item in report["recommendations"])
    assert "model" not in report or not report.get("model")
    assert store.exists("training-outputs/reports/train_restoration_nan/report.html")


def test_an_exploding_finite_loss_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trainer, "build_network", lambda config: _ExplodingLater(calm_steps=1))
    store = LocalStore(tmp_path / "ws")
    ctx = _MetricContext(scratch_dir=tmp_path / "scratch", store=store, job_id="train_restoration_diverged")
    (tmp_path / "scratch").mkdir()
    params = TrainRestorationParams(
        data=str(_pairs(tmp_path / "data")), layer=1, epochs=5, batch_size=2, patch=16, val_split=0.25,
        device="cpu", num_workers=-1, lr=0.01,
    )  # fmt: skip
    with pytest.raises(FailedPrecondition, match="diverged") as failed:
        run_training(params, ctx)  # 3 training pairs, batches of 2 (the last dropped): epoch 1 is one calm step
    assert "at epoch 2, step 1 (over 1000x its lowest epoch mean" in failed.value.message
    assert "try a lower learning rate than 0.01" in failed.value.message
    report = json.loads(store.get_bytes("training-outputs/reports/train_restoration_diverged/report.json"))
    assert report["state"] == "failed" and len(report["epochs"]) == 1 and "diverged" in report["error"]
    assert any("learning rate" in item for item in report["recommendations"])
