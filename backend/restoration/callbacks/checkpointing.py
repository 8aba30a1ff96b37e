"""Checkpoints: one after every validated epoch, one mid-epoch when the run is interrupted, and a resumed run's
state (weights, optimizer, scaler, RNG, curves, position) restored from the job it continues."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backend.restoration.archs import config_to_dict
from backend.restoration.callbacks.best import BestEpoch
from backend.restoration.checkpoints import load_checkpoint, restore_rng, rng_state, save_checkpoint
from backend.restoration.train_outcome import EpochMetrics
from omni_core.errors import FailedPrecondition

if TYPE_CHECKING:
    from backend.restoration.trainer import Trainer


class Checkpoints:
    def on_pretrain_routine_start(self, trainer: Trainer) -> None:
        ctx, outcome = trainer.ctx, trainer.outcome
        if not ctx.resumed_from:
            return
        state = load_checkpoint(ctx.store, ctx.resumed_from, ctx.scratch_dir)
        if state["config"] != config_to_dict(outcome.config):
            raise FailedPrecondition("the checkpoint was made with another network configuration")
        trainer.model.load_state_dict(state["model"])
        trainer.optimizer.load_state_dict(state["optimizer"])
        trainer.scaler.load_state_dict(state["scaler"])
        trainer.best = BestEpoch.from_checkpoint(state.get("best"))
        outcome.start_metrics = dict(state.get("start_metrics") or {})
        restore_rng(state["rng"])
        outcome.history[:] = [EpochMetrics(**item) for item in state["history"]]
        outcome.step_losses[:] = [tuple(item) for item in state.get("step_losses", [])]
        trainer.start_epoch = outcome.resumed_at_epoch = state["epoch"]
        partial = state.get("partial_epoch") or {}
        trainer.start_step = int(partial.get("steps", 0))
        trainer.start_loss_sum, trainer.start_seen = float(partial.get("loss_sum", 0.0)), int(partial.get("seen", 0))
        ctx.log(
            f"resumed from job {ctx.resumed_from} after epoch {trainer.start_epoch}"
            + (f" and {trainer.start_step} steps of epoch {trainer.start_epoch + 1}" if trainer.start_step else "")
        )

    def on_train_batch_start(self, trainer: Trainer) -> None:
        """An interruption (a Spot reclaim, the backend stopping) keeps the steps of the epoch under way; a
        person's cancel keeps the last completed epoch."""
        ctx = trainer.ctx
        if not ctx.cancelled or ctx.stop_reason != "interrupted" or not trainer.step:
            return
        partial = {"steps": trainer.step, "loss_sum": trainer.loss_sum, "seen": trainer.seen}
        save_checkpoint(ctx.store, ctx.job_id, ctx.scratch_dir, checkpoint_state(trainer, trainer.epoch, partial))
        ctx.log(f"interrupted: checkpoint saved at epoch {trainer.epoch + 1}, step {trainer.step}")

    def on_fit_epoch_end(self, trainer: Trainer) -> None:
        ctx = trainer.ctx
        save_checkpoint(ctx.store, ctx.job_id, ctx.scratch_dir, checkpoint_state(trainer, trainer.epoch + 1))


def checkpoint_state(trainer: Trainer, epochs_done: int, partial_epoch: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything an exact resume needs (``partial_epoch``: how far into the next epoch)."""
    outcome = trainer.outcome
    return {
        "epoch": epochs_done,
        "partial_epoch": partial_epoch or {},
        "config": config_to_dict(outcome.config),
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "scaler": trainer.scaler.state_dict(),
        "rng": rng_state(),
        "history": [vars(item) for item in outcome.history],
        "step_losses": outcome.step_losses,
        "best": trainer.best.to_checkpoint() if trainer.best else None,
        "start_metrics": outcome.start_metrics,
    }
