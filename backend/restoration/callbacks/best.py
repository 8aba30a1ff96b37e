"""The best validated epoch: its weights are what the run registers, not the last epoch's (as Ultralytics
registers ``best.pt``). A late epoch that validates worse — a learning rate too high for the end of the run, a
fine-tuning run that drifts from its start — then costs nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from backend.restoration.trainer import Trainer


@dataclass(frozen=True)
class BestEpoch:
    epoch: int  # 1-based, as in the history
    psnr: float  # validation PSNR, the choice's measure (what the card and the reports lead with)
    state_dict: dict[str, torch.Tensor]  # a copy on the CPU

    def to_checkpoint(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "psnr": self.psnr, "model": self.state_dict}

    @classmethod
    def from_checkpoint(cls, saved: dict[str, Any] | None) -> BestEpoch | None:
        return cls(int(saved["epoch"]), float(saved["psnr"]), saved["model"]) if saved else None


class BestWeights:
    """Keeps a copy of the weights of the epoch with the highest validation PSNR so far (``trainer.best``, kept
    in checkpoints, so a resumed run still knows it); at the end of the run puts them back into the model."""

    def on_fit_epoch_end(self, trainer: Trainer) -> None:
        metrics, best = trainer.metrics, trainer.best
        if metrics is None or not math.isfinite(metrics.psnr) or (best is not None and metrics.psnr <= best.psnr):
            return
        weights = {name: value.detach().to("cpu", copy=True) for name, value in trainer.model.state_dict().items()}
        trainer.best = BestEpoch(metrics.epoch, metrics.psnr, weights)

    def on_train_end(self, trainer: Trainer) -> None:
        best, history = trainer.best, trainer.outcome.history
        if best is None or not history:
            return
        trainer.outcome.registered_epoch = best.epoch
        if best.epoch == history[-1].epoch:
            return
        trainer.model.load_state_dict(best.state_dict)
        trainer.ctx.log(
            f"registering epoch {best.epoch} of {history[-1].epoch}, the best on validation: PSNR {best.psnr:.2f} "
            f"dB against {history[-1].psnr:.2f} dB for the last epoch"
        )
