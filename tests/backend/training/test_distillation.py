"""Knowledge distillation: the student's loss uses the teacher (a real frozen module, real training steps on
tiny generated pairs), and ``--teacher`` over a real backend records the teacher, the tier and the measured
speed in the student's card."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from backend.restoration.archs import build_network, preset_for
from backend.restoration.datasets import PairImages, TrainPatches, split_pairs, to_tensor
from backend.restoration.distill import DistillationObjective, PixelObjective, not_taught_ahead, teach_pairs
from backend.restoration.losses import build_loss
from backend.restoration.pairs import scan_pairs
from backend.restoration.params import TrainRestorationParams, validate_train_params
from backend.restoration.trainer import TrainOutcome, train
from backend.rpc.server import Backend
from backend.storage import LocalStore
from desktop.client import BackendError, Connection
from omni_core.errors import InvalidArgument
from protos.omni.v1 import jobs_pb2
from tests.backend.synthetic.conftest import RecordingContext
from tests.backend.training.test_training_job import train_spec
from tests.helpers import wait_for_state

GREY = 0.2  # far from the documents' paper, so moving toward it cannot be the clean target's doing


class ConstantTeacher(nn.Module):
    """A teacher whose every output pixel is ``GREY``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.full_like(x, GREY)


@dataclass
class TrainingContext(RecordingContext):
    metrics: list[tuple[str, float]] = field(default_factory=list)
    stop_reason: str = ""

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        self.metrics.append((name, value))


def _distance_to_grey(model: nn.Module, source: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model.eval()(source) - GREY).abs().mean())


def test_the_student_moves_toward_the_teacher(pairs_dir: Path, tmp_path: Path) -> None:
    params = validate_train_params(
        TrainRestorationParams(
            data=str(pairs_dir), layer=1, epochs=3, batch_size=4, lr=1e-2, patch=32, preset="tiny", device="cpu",
            num_workers=-1, seed=5, teacher="restoration_layer2_20260101_000000", distill_weight=1.0,
        )
    )  # fmt: skip
    config = preset_for(1, "tiny")
    train_pairs, val_pairs = split_pairs(scan_pairs(pairs_dir).pairs, params.val_split, params.seed)
    source = to_tensor(PairImages(val_pairs).get(0)[1])[None]
    torch.manual_seed(params.seed)
    before = _distance_to_grey(build_network(config), source)  # train() starts from the same seeded weights
    finished = {}
    for name, objective in (
        ("taught", DistillationObjective(build_loss(params.loss), ConstantTeacher(), params.distill_weight)),
        ("plain", PixelObjective(build_loss(params.loss))),
    ):
        ctx = TrainingContext(scratch_dir=tmp_path / name, store=LocalStore(tmp_path / name / "store"))
        outcome = TrainOutcome(config=config)
        dataset = TrainPatches(PairImages(train_pairs), params.patch, params.seed)
        train(params, config, dataset, PairImages(val_pairs), ctx, outcome, objective)
        assert outcome.model is not None and len(outcome.history) == 3
        finished[name] = _distance_to_grey(outcome.model, source)
    assert finished["taught"] < before - 0.02  # the teacher's constant pulled the student's output
    assert finished["taught"] < finished["plain"] - 0.02  # and it is the teacher's doing, not the clean target's


def test_the_teacher_does_not_learn() -> None:
    torch.manual_seed(0)
    teacher, student = build_network(preset_for(1, "tiny")), build_network(preset_for(1, "tiny"))
    before = [p.detach().clone() for p in teacher.parameters()]
    objective = DistillationObjective(build_loss("charbonnier"), teacher.train(), 0.5)
    degraded, clean = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    optimizer = torch.optim.AdamW([*student.parameters(), *teacher.parameters()], lr=1e-2)
    objective(student(degraded), degraded, clean).backward()
    optimizer.step()
    assert not teacher.training and all(p.grad is None for p in teacher.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, teacher.parameters(), strict=True))
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in student.parameters())


def test_pairs_taught_ahead_hold_the_blended_target(pairs_dir: Path) -> None:
    images = PairImages(scan_pairs(pairs_dir).pairs)
    assert images.in_memory
    taught = teach_pairs(images, ConstantTeacher(), 0.25)
    assert len(taught) == len(images) and taught.cpu_seconds > 0
    for index in range(len(images)):
        clean, degraded = images.get(index)
        target, given = taught.get(index)
        assert given is degraded and target.dtype == np.uint8 and target.shape == clean.shape
        expected = 0.75 * clean.astype(np.float64) + 0.25 * GREY * 255
        assert np.abs(target - expected).max() <= 1.0


def test_taught_ahead_is_the_step_objective(pairs_dir: Path) -> None:
    """A pixel-wise teacher gives the same output on a crop as on the whole image, so the loss against the
    targets taught ahead must equal the in-step objective's loss on the same crops (up to uint8 rounding)."""
    torch.manual_seed(3)
    teacher = nn.Sequential(nn.Conv2d(3, 3, 1), nn.Sigmoid())
    student = build_network(preset_for(1, "tiny")).eval()
    images = PairImages(scan_pairs(pairs_dir).pairs)
    loss = build_loss("charbonnier")
    live = DistillationObjective(loss, teacher, 0.6)
    ahead = TrainPatches(teach_pairs(images, teacher, 0.6), 32, seed=4)
    plain = TrainPatches(images, 32, seed=4)
    for key in [(0, 0), (1, 1), (2, len(images) - 1)]:
        degraded, clean = (t[None] for t in plain[key])
        same_degraded, target = (t[None] for t in ahead[key])
        assert torch.equal(degraded, same_degraded)
        with torch.no_grad():
            output = student(degraded)
            assert float(loss(output, target)) == pytest.approx(float(live(output, degraded, clean)), abs=2e-3)


def test_pairs_are_taught_ahead_only_where_it_saves_work(pairs_dir: Path) -> None:
    images = PairImages(scan_pairs(pairs_dir).pairs)  # 64 x 64 px

    def why(patch: int, epochs: int) -> str:
        return not_taught_ahead(TrainRestorationParams(data="d", teacher="v", patch=patch, epochs=epochs), images)

    assert why(patch=64, epochs=1) == "" and why(patch=32, epochs=4) == ""  # one crop each; four crops, four epochs
    assert "4 crops of 32 px" in why(patch=32, epochs=3)  # teaching ahead would cost more than 3 epochs in the step
    assert "64 crops of 8 px" in why(patch=8, epochs=1000)  # more than AHEAD_MAX_CROPS_PER_IMAGE, whatever the epochs


def test_weight_without_teacher_is_refused() -> None:
    with pytest.raises(InvalidArgument) as refused:
        validate_train_params(TrainRestorationParams(data="d", distill_weight=0.5))
    assert refused.value.field == "distill_weight"
    defaulted = validate_train_params(TrainRestorationParams(data="d", layer=1, teacher="v"))
    assert defaulted.distill_weight == 0.5 and defaulted.tier == "fast"
    assert validate_train_params(TrainRestorationParams(data="d", layer=2)).tier == "quality"


def test_distilled_student_card(backend: Backend, client: Connection, pairs_dir: Path) -> None:
    with pytest.raises(BackendError) as unknown:
        client.submit(train_spec(pairs_dir, teacher="restoration_layer1_20200101_000000"))
    assert unknown.value.code == "NOT_FOUND" and "teacher" in unknown.value.message

    teacher_job = wait_for_state(client, client.submit(train_spec(pairs_dir, epochs=1)).id, timeout=240)
    assert teacher_job.state == jobs_pb2.JOB_STATE_SUCCEEDED, teacher_job.message
    teacher = teacher_job.outputs["model_version"]
    student_job = client.submit(  # one 64 px crop per 64 px image: taught ahead
        train_spec(pairs_dir, epochs=1, patch=64, teacher=teacher, distill_weight=0.7, tier="quality")
    )
    final = wait_for_state(client, student_job.id, timeout=240)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    student = client.get_model(final.outputs["model_version"])
    card = json.loads(student.card_json)
    assert card["teacher"] == teacher and card["distill_weight"] == pytest.approx(0.7)
    assert student.tier == card["tier"] == "quality"  # chosen, though layer 1 alone would make it fast
    assert client.get_model(teacher).tier == "fast"
    speed = card["speed"]
    assert speed["mp_per_s"] > 0 and speed["median_seconds"] > 0 and speed["threads"] >= 1
    assert speed["side"] == 1024 and speed["provider"].endswith("ExecutionProvider") and speed["cpu"]
    assert student.metrics["mp_per_s"] == pytest.approx(speed["mp_per_s"]) and "psnr" in student.metrics
    logs = [e.log.message for e in client.watch_job(student_job.id) if e.WhichOneof("payload") == "log"]
    assert any(f"distilling from {teacher}" in line for line in logs)
    assert any("teacher targets for" in line and "before the time budget" in line for line in logs)
    assert json.loads(client.get_report(student_job.id, "json"))["distillation"]["taught_ahead"] is True
    assert "Tier: quality  Speed: " in client.get_report(student_job.id, "text")
