"""The run registers its best validated epoch, not its last: on the real trainer (tiny pairs, a few steps) a last
epoch spoilt on purpose is not what the model holds at the end, the metrics that describe the model are that
epoch's, and a resumed run still knows the best epoch from before its interruption (the checkpoint keeps it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import torch

from backend.reports.html import render_restoration_html
from backend.reports.recommendations import recommend
from backend.reports.text import render_restoration_text
from backend.restoration.callbacks import BestWeights, Checkpoints, Reporting, TimeBudget
from backend.restoration.callbacks.checkpointing import checkpoint_state
from backend.restoration.checkpoints import load_checkpoint
from backend.restoration.trainer import Trainer
from tests.backend.training.test_callbacks import _run

EPOCHS = 4


def _snapshot(trainer: Trainer) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in trainer.model.state_dict().items()}


class SpoilLastEpoch:
    """Before the last epoch's validation, replaces the weights with noise (as a diverging end of a run would)
    and keeps a copy of the weights at every validated epoch."""

    def __init__(self, last: int) -> None:
        self.last = last
        self.weights: dict[int, dict[str, torch.Tensor]] = {}

    def on_train_epoch_end(self, trainer: Trainer) -> None:
        if trainer.epoch + 1 == self.last:
            torch.manual_seed(0)
            with torch.no_grad():
                for parameter in trainer.model.parameters():
                    parameter.add_(torch.randn_like(parameter))

    def on_fit_epoch_end(self, trainer: Trainer) -> None:
        self.weights[trainer.epoch + 1] = _snapshot(trainer)


def _equal(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[name], b[name]) for name in a)


def test_the_best_validated_epoch_is_what_the_run_keeps(tmp_path: Path) -> None:
    _params, trainer, ctx = _run(tmp_path, epochs=EPOCHS, lr=1e-2)
    spoil = SpoilLastEpoch(EPOCHS)
    for callback in (Reporting(), BestWeights(), Checkpoints(), TimeBudget(0, 0), spoil):
        trainer.attach(callback)
    outcome = trainer.fit()

    psnrs = [item.psnr for item in outcome.history]
    best = psnrs.index(max(psnrs)) + 1
    assert best < EPOCHS and psnrs[-1] < max(psnrs) - 1.0  # the noise really spoilt the last epoch
    assert outcome.registered_epoch == best and outcome.registered() is outcome.history[best - 1]
    assert _equal(_snapshot(trainer), spoil.weights[best])  # the model holds that epoch's weights
    assert not _equal(_snapshot(trainer), spoil.weights[EPOCHS])
    assert any(f"registering epoch {best} of {EPOCHS}" in message for _level, message in ctx.logs)


def test_a_resumed_run_knows_the_best_epoch_from_before(tmp_path: Path) -> None:
    _params, first, ctx = _run(tmp_path / "first", epochs=2)
    for callback in (BestWeights(), Checkpoints()):
        first.attach(callback)
    first.fit()
    assert first.best is not None
    best_before = first.best
    saved = load_checkpoint(ctx.store, ctx.job_id, ctx.scratch_dir)
    assert saved["best"]["epoch"] == best_before.epoch and _equal(saved["best"]["model"], best_before.state_dict)

    _params, resumed, _ctx = _run(tmp_path / "second", epochs=3)
    resumed.ctx = replace(ctx, resumed_from=ctx.job_id)  # the second run continues the first's checkpoint
    resumed.ctx.scratch_dir.mkdir(parents=True, exist_ok=True)
    Checkpoints().on_pretrain_routine_start(resumed)
    assert resumed.best is not None and resumed.best.epoch == best_before.epoch
    assert resumed.best.psnr == best_before.psnr and _equal(resumed.best.state_dict, best_before.state_dict)
    assert checkpoint_state(resumed, 2)["best"]["epoch"] == best_before.epoch


def test_the_reports_say_which_epoch_and_which_start_the_weights_come_from() -> None:
    epochs = [
        {"epoch": epoch, "train_loss": 0.1, "val_loss": 0.1, "psnr": psnr, "ssim": 0.9, "improved_fraction": 1.0,
         "lr": 1e-3, "seconds": 1.0, "images_per_second": 10.0}
        for epoch, psnr in ((1, 20.0), (2, 22.5), (3, 21.0))
    ]  # fmt: skip
    start = "restoration_layer1_20260101_000000"
    report = {
        "parameters": {"start_from": start},
        "epochs": epochs,
        "improvement": {"registered_epoch": 2, "psnr_last": 22.5},
        "model": {"version": "restoration_layer1_20260102_000000"},
    }
    text = render_restoration_text(report)
    assert "Registered: epoch 2 of 3, the best on validation (the last epoch: PSNR 21.00 dB)" in text
    assert f"Fine-tuned from: {start}" in text
    page = render_restoration_html(report)
    assert "registered epoch" in page and "2 of 3" in page and start in page
    assert not any("No epoch beat" in line for line in recommend(report))
    worse = {**report, "fine_tuning": {"start_version": start, "psnr": 23.0}}  # the start scored better
    assert any(f"No epoch beat {start}" in line and "22.50 vs 23.00" in line for line in recommend(worse))
    assert "scored PSNR 23.00 dB before the run" in render_restoration_text(worse)
    last = {**report, "parameters": {}, "improvement": {"registered_epoch": 3}}
    assert "Registered:" not in render_restoration_text(last) and "Fine-tuned" not in render_restoration_text(last)
    assert "registered epoch" not in render_restoration_html(last)
