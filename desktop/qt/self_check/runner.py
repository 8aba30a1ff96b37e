"""Runs the self-check's steps one after another on the UI thread, never blocking it.

A step starts, then is polled (every ``POLL_MS``) until it says it is done, raises ``StepFailed``, or runs past
its ``timeout_s``. The first failure ends the check: the steps after it are reported "not run".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer

from desktop.qt.self_check.report import FAILED, NOT_RUN, PASSED, SKIPPED, SelfCheckReport, StepResult

if TYPE_CHECKING:
    from desktop.models.annotate.boxes import Box
    from desktop.qt.main_window import MainWindow
    from desktop.qt.session import Session
    from desktop.qt.views.annotate import AnnotateView

POLL_MS = 20
#: where the check draws its box, normalized (left, top, right, bottom): the middle quarter of the image
DEFAULT_BOX = (0.25, 0.25, 0.75, 0.75)


class StepFailed(Exception):
    """A step cannot pass; the message says why, in words for the report."""


@dataclass(frozen=True)
class CheckOptions:
    backend: str | None = None
    token: str | None = None
    tls: bool = False
    tls_ca: Path | None = None
    dataset: str | None = None  # without it, the Annotate steps are skipped
    box_class: str | None = None  # default: the dataset's first class
    box: tuple[float, float, float, float] = DEFAULT_BOX
    restore: Path | None = None  # a folder of images to restore; without it, the restore step is skipped
    restore_out: Path | None = None  # default: ``restored/`` beside the report
    model: str | None = None  # default: the newest registered restoration version


@dataclass
class CheckContext:
    """What the steps share: the real window and session, and what earlier steps found."""

    window: MainWindow
    session: Session
    options: CheckOptions
    report: SelfCheckReport
    view: AnnotateView | None = None
    image_id: str | None = None
    drawn: Box | None = None
    default_restore_out: Path = Path("restored")


class Step(Protocol):
    name: str
    timeout_s: float

    def start(self, ctx: CheckContext) -> str | None:
        """Begin; return a reason to skip this step, or None."""

    def poll(self, ctx: CheckContext) -> bool:
        """True once done; raises StepFailed when it cannot be."""

    def waiting_for(self) -> str:
        """What the step waits for, for the report when it times out."""


class SelfCheckRunner(QObject):
    def __init__(self, ctx: CheckContext, steps: Sequence[Step], on_done: Callable[[SelfCheckReport], object]) -> None:
        super().__init__()
        self.ctx = ctx
        self.steps = list(steps)
        self.on_done = on_done
        self._index = -1
        self._started = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._next()

    @property
    def current(self) -> Step | None:
        return self.steps[self._index] if 0 <= self._index < len(self.steps) else None

    def _next(self) -> None:
        self._timer.stop()
        self._index += 1
        step = self.current
        if step is None:
            self.on_done(self.ctx.report)
            return
        self._started = time.monotonic()
        try:
            skip = step.start(self.ctx)
        except Exception as error:  # noqa: BLE001 - any failure of a step is the report's, not a crash
            self._finish(FAILED, _reason(error))
            return
        if skip is not None:
            self._finish(SKIPPED, skip)
            return
        self._timer.start()
        self._tick()

    def _tick(self) -> None:
        step = self.current
        if step is None or not self._timer.isActive():
            return
        try:
            done = step.poll(self.ctx)
        except Exception as error:  # noqa: BLE001
            self._finish(FAILED, _reason(error))
            return
        if done:
            self._finish(PASSED, "")
        elif time.monotonic() - self._started > step.timeout_s:
            self._finish(FAILED, f"timed out after {step.timeout_s:g} s waiting for {step.waiting_for()}")

    def _finish(self, status: str, detail: str) -> None:
        step = self.current
        assert step is not None
        elapsed = round(time.monotonic() - self._started, 3)
        self.ctx.report.steps.append(StepResult(step.name, status, elapsed, detail))
        if status == FAILED:
            self.ctx.report.steps.extend(StepResult(s.name, NOT_RUN) for s in self.steps[self._index + 1 :])
            self._index = len(self.steps) - 1
        self._next()


def _reason(error: BaseException) -> str:
    return str(error) if isinstance(error, StepFailed) else f"{type(error).__name__}: {error}"
