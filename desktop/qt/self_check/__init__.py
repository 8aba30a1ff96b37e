"""``--self-check``: the real app, scripted, for installers and CI.

It opens the main window, connects to a backend, draws one box on a dataset's first image through the canvas,
waits until the backend stored it, restores a folder in the Batch view (streamed, in-process), writes a JSON report
(``report.SelfCheckReport``) and exits 0 if every step passed, 1 otherwise. The steps are in
``steps.default_steps``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from desktop.qt.self_check.report import FAILED, SelfCheckReport, StepResult
from desktop.qt.self_check.runner import CheckContext, CheckOptions, SelfCheckRunner, Step
from desktop.qt.self_check.steps import default_steps

__all__ = ["CheckOptions", "run_self_check"]

#: past the steps' own timeouts: a hung UI thread still ends the process, with a report saying so
WATCHDOG_MARGIN_S = 30.0


def run_self_check(options: CheckOptions, report_path: Path, steps: Sequence[Step] | None = None) -> int:
    from PySide6.QtCore import QTimer

    from desktop.qt.app import create_app
    from desktop.qt.main_window import MainWindow
    from desktop.qt.session import Session

    steps = list(steps) if steps is not None else default_steps()
    report = SelfCheckReport(frozen=bool(getattr(sys, "frozen", False)))
    with _scratch_state(), _watchdog(report, report_path, sum(s.timeout_s for s in steps) + WATCHDOG_MARGIN_S):
        app = create_app()
        session = Session()
        window = MainWindow(session)
        ctx = CheckContext(window, session, options, report, default_restore_out=report_path.parent / "restored")

        def done(finished: SelfCheckReport) -> None:
            finished.write(report_path)
            app.exit(0 if finished.ok else 1)

        runner = SelfCheckRunner(ctx, steps, done)
        QTimer.singleShot(0, runner.start)  # once the loop runs: app.exit() before exec() would be lost
        try:
            code = app.exec()
        finally:
            window.close()
            session.shutdown()
    return int(code)


@contextlib.contextmanager
def _scratch_state() -> Iterator[None]:
    """The check's journal and recent-dataset memory go to a temporary folder, not the user's state."""
    if os.environ.get("OMNI_STATE_DIR"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="omni-self-check-") as folder:
        os.environ["OMNI_STATE_DIR"] = folder
        try:
            yield
        finally:
            os.environ.pop("OMNI_STATE_DIR", None)


@contextlib.contextmanager
def _watchdog(report: SelfCheckReport, path: Path, after_s: float) -> Iterator[None]:
    def expire() -> None:
        report.steps.append(StepResult("watchdog", FAILED, after_s, f"the app did not finish in {after_s:g} s"))
        with contextlib.suppress(Exception):
            report.write(path)
        os._exit(2)

    timer = threading.Timer(after_s, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
