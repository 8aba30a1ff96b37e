"""Reporting: the run's progress, per-step losses and per-epoch metrics as ``JobContext`` events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.jobs.context import JobContext
from backend.restoration.archs import count_parameters
from backend.restoration.train_outcome import EpochMetrics

if TYPE_CHECKING:
    from backend.restoration.trainer import Trainer

STEP_METRIC_EVERY = 1


class Reporting:
    def on_pretrain_routine_end(self, trainer: Trainer) -> None:
        ctx, config = trainer.ctx, trainer.outcome.config
        if ctx.resumed_from:  # the new job's log carries the whole curve
            for item in trainer.outcome.history:
                emit_epoch(ctx, item, trainer.steps_per_epoch)
        ctx.log(
            f"training {config.arch} ({config.preset}, {count_parameters(trainer.model):,} parameters) on "
            f"{trainer.device.type}: {len(trainer.dataset)} train / {len(trainer.val_images)} val pairs, "
            f"{trainer.steps_per_epoch} steps per epoch, {trainer.workers} loader workers"
        )

    def on_train_start(self, trainer: Trainer) -> None:
        baseline = trainer.outcome.baseline
        trainer.ctx.log(f"degraded input: PSNR {baseline['psnr']:.2f} dB, SSIM {baseline['ssim']:.4f}")
        self._progress(trainer)

    def on_train_batch_end(self, trainer: Trainer) -> None:
        if trainer.global_step % STEP_METRIC_EVERY == 0:
            trainer.ctx.metric("train/loss_step", trainer.loss, step=trainer.global_step, epoch=trainer.epoch + 1)
        self._progress(trainer)

    def on_fit_epoch_end(self, trainer: Trainer) -> None:
        if trainer.metrics is not None:
            emit_epoch(trainer.ctx, trainer.metrics, trainer.steps_per_epoch)

    @staticmethod
    def _progress(trainer: Trainer) -> None:
        message = f"epoch {trainer.epoch + 1}/{trainer.params.epochs}"
        trainer.ctx.progress(trainer.global_step, trainer.total_steps, unit="steps", message=message)


def emit_epoch(ctx: JobContext, metrics: EpochMetrics, steps_per_epoch: int) -> None:
    step = metrics.epoch * steps_per_epoch
    for name, value in (
        ("train/loss", metrics.train_loss),
        ("val/loss", metrics.val_loss),
        ("val/psnr", metrics.psnr),
        ("val/ssim", metrics.ssim),
        ("val/improved_fraction", metrics.improved_fraction),
        ("lr", metrics.lr),
        ("train/images_per_second", metrics.images_per_second),
    ):
        ctx.metric(name, value, step=step, epoch=metrics.epoch)
    ctx.log(
        f"epoch {metrics.epoch}: loss {metrics.train_loss:.4f}, val loss {metrics.val_loss:.4f}, "
        f"PSNR {metrics.psnr:.2f} dB, SSIM {metrics.ssim:.4f}, improved {metrics.improved_fraction:.0%}"
    )
