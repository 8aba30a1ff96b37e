"""What a restoration run produces: per-epoch metrics and the outcome the caller keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from backend.restoration.archs import NetworkConfig


@dataclass
class EpochMetrics:
    epoch: int
    train_loss: float
    val_loss: float
    psnr: float
    ssim: float
    improved_fraction: float
    lr: float
    seconds: float
    images_per_second: float


@dataclass
class TrainOutcome:
    """What a run produced so far. The caller creates it and the loop fills it in as it goes, so a
    run that fails or is cancelled still leaves its curves for the report."""

    config: NetworkConfig
    model: torch.nn.Module | None = None
    history: list[EpochMetrics] = field(default_factory=list)
    step_losses: list[tuple[int, float]] = field(default_factory=list)
    baseline: dict[str, float] = field(default_factory=dict)
    device: str = ""
    train_pairs: int = 0
    val_pairs: int = 0
    resumed_at_epoch: int = 0
    registered_epoch: int = 0  # the epoch whose weights ``model`` holds at the end (the best validated); 0 = last
    start_metrics: dict[str, float] = field(default_factory=dict)  # fine-tuning: the start's validation psnr/ssim
    train_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def registered(self) -> EpochMetrics:
        """The metrics of the epoch whose weights the run registers."""
        if self.registered_epoch:
            return next(item for item in self.history if item.epoch == self.registered_epoch)
        return self.history[-1]
