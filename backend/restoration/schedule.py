"""The learning-rate schedule of restoration training."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

WARMUP_STEPS = 100


class LearningRateSchedule:
    """Linear warm-up over the first steps, then a cosine from the peak down to 1% of it.

    Progress is the share of the planned steps done, or the share of the time budget spent when that is
    further along: a run that its budget stops has annealed by then, instead of stopping at the peak rate.
    Without a budget the rate depends on the step alone, so resumed runs match exactly.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        peak: float,
        total_steps: int,
        budget_used: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.optimizer, self.peak, self.budget_used = optimizer, peak, budget_used
        self.total_steps = max(1, total_steps)
        self.warmup = min(WARMUP_STEPS, self.total_steps // 20)

    def apply(self, step: int) -> float:
        """Set the rate for optimizer step ``step`` (0-based) and return it."""
        if step < self.warmup:
            lr = self.peak * (step + 1) / (self.warmup + 1)
        else:
            planned = (step - self.warmup) / max(1, self.total_steps - self.warmup)
            progress = min(1.0, max(planned, self.budget_used()))
            floor = self.peak * 0.01
            lr = floor + (self.peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr
