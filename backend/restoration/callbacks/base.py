"""The named points of the restoration training loop, after Ultralytics' ``utils/callbacks/base.py``.

Each point calls its hooks, in the order they were added, with the ``Trainer``; hooks read its state and may
set ``trainer.stop`` (the run validates and checkpoints the epoch under way, then ends). In order:

- ``on_pretrain_routine_start``: network, optimizer and loader are built; a resumed run restores its state here.
- ``on_pretrain_routine_end``: where training starts is settled (``trainer.start_epoch``, ``trainer.start_step``).
- ``on_train_start``: the degraded inputs' baseline is measured; the first epoch is next.
- ``on_train_epoch_start``: before an epoch's first step (``trainer.epoch``, 0-based; ``trainer.step``, its
  first step's index: 0, or where a resumed epoch goes on).
- ``on_train_batch_start``: before a step (``trainer.step``: its index in the epoch, the steps taken before it).
- ``on_train_batch_end``: after a step (``trainer.loss``, ``trainer.global_step``, ``trainer.lr``).
- ``on_train_epoch_end``: after an epoch's last step, before validation.
- ``on_fit_epoch_end``: after validation (``trainer.metrics``, already in ``outcome.history``).
- ``on_train_end``: the run finished (not called when it fails or is cancelled).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:
    from backend.restoration.trainer import Trainer

Point = Literal[
    "on_pretrain_routine_start",
    "on_pretrain_routine_end",
    "on_train_start",
    "on_train_epoch_start",
    "on_train_batch_start",
    "on_train_batch_end",
    "on_train_epoch_end",
    "on_fit_epoch_end",
    "on_train_end",
]
POINTS: tuple[Point, ...] = get_args(Point)
Hook = Callable[["Trainer"], None]


class Callbacks:
    """The hooks registered at each point."""

    def __init__(self) -> None:
        self._hooks: dict[str, list[Hook]] = {point: [] for point in POINTS}

    def add(self, point: Point, hook: Hook) -> None:
        if point not in self._hooks:
            raise ValueError(f"no callback point {point!r}; the points are {', '.join(POINTS)}")
        self._hooks[point].append(hook)

    def attach(self, callback: object) -> None:
        """Add each of ``callback``'s methods that is named after a point."""
        for point in POINTS:
            hook = getattr(callback, point, None)
            if callable(hook):
                self.add(point, hook)

    def run(self, point: Point, trainer: Trainer) -> None:
        for hook in self._hooks[point]:
            hook(trainer)
