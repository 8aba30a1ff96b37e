"""The time budget: a wall-clock and/or CPU-time limit on training (0 = none). Its clocks start when training
does (after the baseline is measured). It stops the run at the first step end past the limit (that epoch is still
validated and checkpointed) and gives the learning-rate schedule the share spent, so the rate anneals in time."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.restoration.trainer import Trainer


class TimeBudget:
    def __init__(
        self,
        wall_minutes: float,
        cpu_minutes: float,
        *,
        wall_clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.process_time,
    ) -> None:
        self.wall_minutes, self.cpu_minutes = wall_minutes, cpu_minutes
        self.wall_clock, self.cpu_clock = wall_clock, cpu_clock
        self.wall_end = self.cpu_end = math.inf

    def start(self) -> None:
        self.wall_end = self.wall_clock() + self.wall_minutes * 60 if self.wall_minutes > 0 else math.inf
        self.cpu_end = self.cpu_clock() + self.cpu_minutes * 60 if self.cpu_minutes > 0 else math.inf

    def spent(self) -> bool:
        return self.fraction() >= 1.0

    def fraction(self) -> float:
        """How much of the tighter budget is used, 0 to 1 (0 without a budget or before ``start``)."""
        shares = [0.0]
        if self.wall_minutes > 0 and math.isfinite(self.wall_end):
            shares.append(1 - (self.wall_end - self.wall_clock()) / (self.wall_minutes * 60))
        if self.cpu_minutes > 0 and math.isfinite(self.cpu_end):
            shares.append(1 - (self.cpu_end - self.cpu_clock()) / (self.cpu_minutes * 60))
        return min(1.0, max(shares))

    def describe(self) -> str:
        wall = f"{self.wall_minutes:g} min" if self.wall_minutes else ""
        cpu = f"{self.cpu_minutes:g} CPU-min" if self.cpu_minutes else ""
        return "time budget of " + " / ".join(part for part in (wall, cpu) if part)

    def on_train_start(self, trainer: Trainer) -> None:
        self.start()
        trainer.budget_used = self.fraction

    def on_train_epoch_start(self, trainer: Trainer) -> None:
        if self.spent():
            trainer.stop = True

    def on_train_batch_end(self, trainer: Trainer) -> None:
        if self.spent():
            trainer.ctx.log(f"{self.describe()} reached at epoch {trainer.epoch + 1}, step {trainer.step + 1}")
            trainer.stop = True
