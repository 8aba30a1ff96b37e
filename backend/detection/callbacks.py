"""The seam between Ultralytics' trainer and the job system: its named callbacks, turned into job events.

Per epoch: metric events (losses, precision, recall, mAP50, mAP50-95, learning rate) and a log line;
per batch: progress (batches done of epochs x batches, so the job's ETA covers the whole run) and the
cancel check. A cancel raises ``JobCancelled`` from the next batch (or validation batch) callback: the
run stops within a batch, and the checkpoint of the last *completed* epoch is the one kept (Ultralytics'
own ``trainer.stop`` would validate and save the half-done epoch as if it were whole). Each checkpoint
Ultralytics writes is copied to the artifact store, where a resumed job finds it.

``on_fit_epoch_end`` also fires once more after the final validation of ``best.pt``; that call is not
an epoch: it fills ``final`` instead.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from backend.jobs.context import JobContext
from omni_core.errors import JobCancelled

CHECKPOINT_PREFIX = "training-outputs/checkpoints"
#: Ultralytics' results keys -> our names (metric events are "train/box_loss", "val/map50", ...)
RESULT_KEYS = {
    "train/box_loss": "train_box_loss",
    "train/cls_loss": "train_cls_loss",
    "train/dfl_loss": "train_dfl_loss",
    "val/box_loss": "val_box_loss",
    "val/cls_loss": "val_cls_loss",
    "val/dfl_loss": "val_dfl_loss",
    "metrics/precision(B)": "precision",
    "metrics/recall(B)": "recall",
    "metrics/mAP50(B)": "map50",
    "metrics/mAP50-95(B)": "map50_95",
    "lr/pg0": "lr",
}
METRIC_NAMES = {
    "train_box_loss": "train/box_loss",
    "train_cls_loss": "train/cls_loss",
    "train_dfl_loss": "train/dfl_loss",
    "val_box_loss": "val/box_loss",
    "val_cls_loss": "val/cls_loss",
    "val_dfl_loss": "val/dfl_loss",
    "precision": "val/precision",
    "recall": "val/recall",
    "map50": "val/map50",
    "map50_95": "val/map50_95",
    "lr": "lr",
    "images_per_second": "train/images_per_second",
}


def checkpoint_key(job_id: str) -> str:
    return f"{CHECKPOINT_PREFIX}/{job_id}/last.pt"


@dataclass
class EpochMetrics:
    epoch: int
    train_box_loss: float = math.nan
    train_cls_loss: float = math.nan
    train_dfl_loss: float = math.nan
    val_box_loss: float = math.nan
    val_cls_loss: float = math.nan
    val_dfl_loss: float = math.nan
    precision: float = math.nan
    recall: float = math.nan
    map50: float = math.nan
    map50_95: float = math.nan
    lr: float = math.nan
    seconds: float = 0.0
    images_per_second: float = 0.0

    @classmethod
    def from_results(cls, epoch: int, values: dict[str, Any], **extra: float) -> EpochMetrics:
        fields = {ours: float(values[theirs]) for theirs, ours in RESULT_KEYS.items() if theirs in values}
        return cls(epoch=epoch, **fields, **extra)


@dataclass
class TrainProgress:
    """What a run produced so far; the caller keeps it, so a failed or cancelled run still has its curves."""

    history: list[EpochMetrics] = field(default_factory=list)
    final: dict[str, float] = field(default_factory=dict)  # validation of best.pt after the last epoch
    resumed_at_epoch: int = 0
    batches_per_epoch: int = 0
    epochs: int = 0
    device: str = ""
    train_seconds: float = 0.0
    checkpoint_bytes: int = 0


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class JobCallbacks:
    """Ultralytics callbacks bound to one job's context; ``attach`` adds them to a trainer."""

    def __init__(self, ctx: JobContext, progress: TrainProgress) -> None:
        self.ctx = ctx
        self.progress = progress
        self._batch = 0
        self._pending_epoch: int | None = None
        self._epoch_started = time.perf_counter()
        self._train_started = time.perf_counter()
        self._train_seconds = 0.0

    def attach(self, trainer: Any) -> None:
        for name in (
            "on_train_start",
            "on_train_epoch_start",
            "on_train_batch_end",
            "on_train_epoch_end",
            "on_fit_epoch_end",
            "on_model_save",
            "on_val_batch_end",
            "on_train_end",
        ):
            trainer.add_callback(name, getattr(self, name))

    # -- training -------------------------------------------------------------------------------------

    def on_train_start(self, trainer: Any) -> None:
        self.progress.batches_per_epoch = len(trainer.train_loader)
        self.progress.epochs = int(trainer.epochs)
        self.progress.device = str(trainer.device.type)
        self._train_started = time.perf_counter()
        self._report_progress(trainer)

    def on_train_epoch_start(self, trainer: Any) -> None:
        self._batch = 0
        self._epoch_started = time.perf_counter()
        self.ctx.check_cancelled()

    def on_train_batch_end(self, trainer: Any) -> None:
        self._batch += 1
        if self.ctx.cancelled:
            raise JobCancelled()
        self._report_progress(trainer)

    def on_val_batch_end(self, validator: Any) -> None:
        if self.ctx.cancelled:
            raise JobCancelled()

    def on_train_epoch_end(self, trainer: Any) -> None:
        self._pending_epoch = int(trainer.epoch)
        self._train_seconds = time.perf_counter() - self._epoch_started

    def on_fit_epoch_end(self, trainer: Any) -> None:
        losses = trainer.label_loss_items(trainer.tloss, prefix="train") if trainer.tloss is not None else {}
        values = {**losses, **trainer.metrics, **getattr(trainer, "lr", {})}
        if self._pending_epoch is None or self._pending_epoch != int(trainer.epoch):
            self.progress.final = {
                RESULT_KEYS[key]: _float(value) for key, value in trainer.metrics.items() if key in RESULT_KEYS
            }
            return
        self._pending_epoch = None
        images = self.progress.batches_per_epoch * int(trainer.batch_size)
        metrics = EpochMetrics.from_results(
            int(trainer.epoch) + 1,
            {key: _float(value) for key, value in values.items()},
            seconds=time.perf_counter() - self._epoch_started,
            images_per_second=images / self._train_seconds if self._train_seconds > 0 else 0.0,
        )
        self.progress.history.append(metrics)
        emit_epoch(self.ctx, metrics, self.progress.batches_per_epoch)

    def on_model_save(self, trainer: Any) -> None:
        info = self.ctx.store.put_file(checkpoint_key(self.ctx.job_id), trainer.last)
        self.progress.checkpoint_bytes = info.size

    def on_train_end(self, trainer: Any) -> None:
        self.progress.train_seconds = time.perf_counter() - self._train_started

    def _report_progress(self, trainer: Any) -> None:
        per_epoch = self.progress.batches_per_epoch
        epoch = int(getattr(trainer, "epoch", trainer.start_epoch))
        self.ctx.progress(
            epoch * per_epoch + self._batch,
            int(trainer.epochs) * per_epoch,
            unit="batches",
            message=f"epoch {epoch + 1}/{int(trainer.epochs)}",
        )


def emit_epoch(ctx: JobContext, metrics: EpochMetrics, batches_per_epoch: int) -> None:
    values = asdict(metrics)
    step = metrics.epoch * max(1, batches_per_epoch)
    for key, name in METRIC_NAMES.items():
        value = values[key]
        if isinstance(value, float) and math.isfinite(value):
            ctx.metric(name, value, step=step, epoch=metrics.epoch)
    ctx.log(
        f"epoch {metrics.epoch}: box {metrics.train_box_loss:.4f}, cls {metrics.train_cls_loss:.4f}, "
        f"dfl {metrics.train_dfl_loss:.4f}; P {metrics.precision:.3f}, R {metrics.recall:.3f}, "
        f"mAP50 {metrics.map50:.3f}, mAP50-95 {metrics.map50_95:.3f} ({metrics.seconds:.1f} s)"
    )
