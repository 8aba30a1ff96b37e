"""A Push or Pull button for the selected model version or dataset, with its job's progress beside it.

The button reads "Pull" for what only the remote has and "Push" for what only this workspace has, and is
hidden otherwise (no remote, or both sides have it). The job is followed from the session's live jobs
stream; when it ends, ``finished`` is called so the view lists again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from desktop.models.job_follow import JobFollow
from desktop.models.locations import SyncTarget
from desktop.models.sync_model import sync_job_text, sync_progress_text
from desktop.qt.session import Session
from desktop.qt.widgets.common import muted_label
from protos.omni.v1 import jobs_pb2

PROGRESS_STEPS = 1000


class SyncAction(QWidget):
    def __init__(self, session: Session, finished: Callable[[], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.target: SyncTarget | None = None
        self._finished = finished
        self.follow = JobFollow(session.jobs)
        self.follow.changed.connect(self._show_job)
        self.follow.finished.connect(lambda _job: self._finished())
        self._what = ""

        self.label = muted_label()
        self.label.setWordWrap(False)
        self.bar = QProgressBar()
        self.bar.setRange(0, PROGRESS_STEPS)
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(120, 8)
        self.bar.setVisible(False)
        self.button = QPushButton("Pull")
        self.button.clicked.connect(self.start)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.bar)
        row.addWidget(self.button)
        self.set_target(None)

    def set_target(self, target: SyncTarget | None) -> None:
        """The selected row (None: nothing to push or pull)."""
        self.target = target
        if target is not None:
            verb = "Push" if target.action == "push" else "Pull"
            self.button.setText(verb)
            where = "to the remote" if target.action == "push" else "from the remote into this workspace"
            self.button.setToolTip(f"{verb} {target.kind} {target.name} {where}")
        self.button.setVisible(target is not None)
        self.button.setEnabled(target is not None and not self.follow.running)

    def start(self) -> None:
        target = self.target
        if target is None or self.follow.running:
            return
        spec = target.spec()
        self._what = target.describe()
        self.button.setEnabled(False)
        self.label.setText(f"{self._what}: submitting…")
        self.session.run(
            lambda connection: connection.submit(spec, labels={"origin": f"{target.kind}s-view"}),
            owner=self,
            on_result=self._submitted,
            on_error=self._refused,
        )

    def _submitted(self, job: jobs_pb2.Job) -> None:
        self.follow.follow(job)

    def _refused(self, error: BaseException) -> None:
        self.label.setText(f"{self._what} could not start: {error}")
        self.set_target(self.target)

    def _show_job(self) -> None:
        job = self.follow.job
        if job is None:
            return
        self.label.setText(f"{self._what}: {sync_progress_text(job)}" if self._what else sync_job_text(job))
        self.label.setToolTip(job.message)
        fraction = self.follow.fraction()
        running = self.follow.running
        self.bar.setVisible(running)
        self.bar.setRange(0, PROGRESS_STEPS if fraction is not None else 0)
        self.bar.setValue(int((fraction or 0) * PROGRESS_STEPS))
        self.button.setEnabled(self.target is not None and not running)
