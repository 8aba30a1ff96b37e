"""The restoration trainer's named callback points, seen by a callback registered on the real trainer (tiny
pairs, a few steps): the order of the points, what the trainer holds at each, a stop asked for by a callback,
and the time budget (a callback too) stopping the run and annealing the learning rate."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from backend.restoration.archs import preset_for
from backend.restoration.callbacks import POINTS, Callbacks, Checkpoints, Reporting, TimeBudget
from backend.restoration.checkpoints import checkpoint_key
from backend.restoration.datasets import PairImages, TrainPatches, split_pairs
from backend.restoration.pairs import scan_pairs
from backend.restoration.params import TrainRestorationParams, validate_train_params
from backend.restoration.trainer import Trainer, TrainOutcome, train
from backend.storage import LocalStore
from protos.omni.v1 import jobs_pb2, training_pb2
from tests.backend.synthetic.conftest import RecordingContext

EPOCHS, STEPS = 2, 2  # 5 pairs: 4 to train on in batches of 2, 1 to validate


@dataclass
class MetricContext(RecordingContext):
    metrics: list[tuple[str, int, int]] = field(default_factory=list)
    stop_reason: str = ""

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        self.metrics.append((name, step, epoch))

    def item(self, outcome: jobs_pb2.ItemOutcome) -> None:
        raise AssertionError("training reports no items")

    def evaluation(self, result: training_pb2.EvaluationResult) -> None:
        raise AssertionError("training reports no evaluation")


class Recorder:
    """A callback at every point, noting where the trainer is."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int, int]] = []

    def note(self, point: str, trainer: Trainer) -> None:
        self.seen.append((point, trainer.epoch, trainer.step, trainer.global_step))


def _recorder() -> Recorder:
    recorder = Recorder()
    for point in POINTS:
        setattr(recorder, point, lambda trainer, point=point: recorder.note(point, trainer))
    return recorder


def _pairs(root: Path, count: int = 5) -> Path:
    rng = np.random.default_rng(11)
    for index in range(count):
        clean = rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)
        noisy = np.clip(clean.astype(int) + rng.integers(-30, 30, clean.shape), 0, 255).astype(np.uint8)
        for side, pixels in (("clean", clean), ("degraded", noisy)):
            (root / side).mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(root / side / f"p{index}.png")
    return root


def _run(tmp_path: Path, **changes: object) -> tuple[TrainRestorationParams, Trainer, MetricContext]:
    """A trainer on tiny pairs, built but not yet fitted."""
    data = _pairs(tmp_path / "pairs")
    values: dict[str, object] = {
        "data": str(data), "layer": 1, "preset": "tiny", "epochs": EPOCHS, "batch_size": 2, "patch": 16,
        "val_split": 0.2, "device": "cpu", "num_workers": -1, "seed": 3,
    }  # fmt: skip
    params = validate_train_params(TrainRestorationParams(**{**values, **changes}))  # type: ignore[arg-type]
    train_pairs, val_pairs = split_pairs(scan_pairs(data).pairs, params.val_split, params.seed)
    (tmp_path / "scratch").mkdir()
    ctx = MetricContext(scratch_dir=tmp_path / "scratch", store=LocalStore(tmp_path / "store"))
    dataset = TrainPatches(PairImages(train_pairs), params.patch, params.seed)
    outcome = TrainOutcome(config=preset_for(params.layer, params.preset))
    return params, Trainer(params, outcome.config, dataset, PairImages(val_pairs), ctx, outcome), ctx


def test_a_registered_callback_sees_every_point_in_order(tmp_path: Path) -> None:
    _params, trainer, ctx = _run(tmp_path)
    recorder = _recorder()
    for callback in (Reporting(), Checkpoints(), TimeBudget(0, 0), recorder):
        trainer.attach(callback)
    trainer.fit()

    expected = [("on_pretrain_routine_start", 0, 0, 0), ("on_pretrain_routine_end", 0, 0, 0)]
    expected.append(("on_train_start", 0, 0, 0))
    for epoch in range(EPOCHS):
        expected.append(("on_train_epoch_start", epoch, 0, epoch * STEPS))
        for step in range(STEPS):
            done = epoch * STEPS + step
            expected += [("on_train_batch_start", epoch, step, done), ("on_train_batch_end", epoch, step, done + 1)]
        expected += [("on_train_epoch_end", epoch, STEPS - 1, (epoch + 1) * STEPS)]
        expected += [("on_fit_epoch_end", epoch, STEPS - 1, (epoch + 1) * STEPS)]
    expected.append(("on_train_end", EPOCHS - 1, STEPS - 1, EPOCHS * STEPS))
    assert recorder.seen == expected

    # the default callbacks did their part at the same points: one loss per step, the epochs, their checkpoint
    assert [step for name, step, _ in ctx.metrics if name == "train/loss_step"] == list(range(1, EPOCHS * STEPS + 1))
    assert [epoch for name, _, epoch in ctx.metrics if name == "val/psnr"] == [1, 2]
    assert [m.epoch for m in trainer.outcome.history] == [1, 2] and trainer.metrics is trainer.outcome.history[-1]
    state = torch.load(tmp_path / "store" / checkpoint_key(ctx.job_id), map_location="cpu", weights_only=False)
    assert state["epoch"] == EPOCHS and len(state["history"]) == EPOCHS
    assert ctx.progress_calls[-1] == (EPOCHS * STEPS, EPOCHS * STEPS, "steps")


def test_train_adds_callbacks_after_its_own(tmp_path: Path) -> None:
    params, trainer, ctx = _run(tmp_path)
    losses: list[tuple[int, float]] = []

    class LastLoss:
        def on_train_batch_end(self, trainer: Trainer) -> None:
            assert ctx.metrics[-1] == ("train/loss_step", trainer.global_step, trainer.epoch + 1)  # reported first
            losses.append((trainer.global_step, trainer.loss))

    outcome = TrainOutcome(config=trainer.outcome.config)
    train(params, outcome.config, trainer.dataset, trainer.val_images, ctx, outcome, callbacks=[LastLoss()])
    assert losses == outcome.step_losses and len(losses) == EPOCHS * STEPS


def test_a_stop_from_a_callback_ends_the_run_after_validating_that_epoch(tmp_path: Path) -> None:
    _params, trainer, ctx = _run(tmp_path, epochs=5)
    recorder = _recorder()

    class StopAtFirstStep:
        def on_train_batch_end(self, trainer: Trainer) -> None:
            trainer.stop = True

    for callback in (Reporting(), Checkpoints(), StopAtFirstStep(), recorder):
        trainer.attach(callback)
    trainer.fit()
    assert [m.epoch for m in trainer.outcome.history] == [1]
    assert [point for point, *_ in recorder.seen][-5:] == [
        "on_train_batch_end", "on_train_epoch_end", "on_fit_epoch_end", "on_train_epoch_start", "on_train_end",
    ]  # fmt: skip
    assert trainer.global_step == 1 and len(trainer.outcome.step_losses) == 1
    state = torch.load(tmp_path / "store" / checkpoint_key(ctx.job_id), map_location="cpu", weights_only=False)
    assert state["epoch"] == 1


def test_the_time_budget_stops_the_run_and_anneals_the_rate(tmp_path: Path) -> None:
    params, trainer, ctx = _run(tmp_path, epochs=10, lr=1e-3)
    cpu = [0.0]

    class TwentySecondsAStep:
        def on_train_batch_end(self, trainer: Trainer) -> None:
            cpu[0] += 20.0

    budget = TimeBudget(0, 1.0, cpu_clock=lambda: cpu[0])
    for callback in (Reporting(), Checkpoints(), TwentySecondsAStep(), budget):
        trainer.attach(callback)
    trainer.fit()
    # 3 steps spend the minute: the third is epoch 2's first; epoch 2 is still validated
    assert trainer.global_step == 3 and [m.epoch for m in trainer.outcome.history] == [1, 2]
    assert ("info", "time budget of 1 CPU-min reached at epoch 2, step 1") in ctx.logs
    assert budget.fraction() == 1.0 and trainer.budget_used() == 1.0
    # the third step's rate: the budget (40 of 60 s spent) is further along than the planned 20 steps
    floor = params.lr * 0.01
    assert trainer.outcome.history[-1].lr == pytest.approx(
        floor + (params.lr - floor) * 0.5 * (1 + math.cos(2 * math.pi / 3))
    )


def test_no_budget_never_stops_and_an_unknown_point_is_refused() -> None:
    budget = TimeBudget(0, 0)
    budget.start()
    assert budget.fraction() == 0.0 and not budget.spent()
    assert TimeBudget(1.5, 2).describe() == "time budget of 1.5 min / 2 CPU-min"
    with pytest.raises(ValueError, match="no callback point 'on_epoch_end'"):
        Callbacks().add("on_epoch_end", lambda trainer: None)  # type: ignore[arg-type]


def test_the_optimizer_only_sees_clipped_gradients(tmp_path: Path) -> None:
    from backend.restoration.trainer import GRAD_CLIP_NORM

    _params, trainer, _ctx = _run(tmp_path)
    norms: list[float] = []

    def note_norm(_optimizer: object, _args: object, _kwargs: object) -> None:
        grads = [p.grad for p in trainer.model.parameters() if p.grad is not None]
        norms.append(float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))))

    trainer.optimizer.register_step_pre_hook(note_norm)
    trainer.fit()
    assert len(norms) == EPOCHS * STEPS
    assert max(norms) <= GRAD_CLIP_NORM * (1 + 1e-4), norms
    assert min(norms) > GRAD_CLIP_NORM / 2  # these gradients are far larger: scaled down, not zeroed
