"""What a running job sees: the ``JobContext`` it reports through and checks for cancellation."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from backend.storage.base import ArtifactStore
from omni_core.confinement import Confinement, unconfined
from protos.omni.v1 import jobs_pb2, training_pb2


class JobContext(Protocol):
    """The seam between job code and the job system (like Ultralytics' callbacks, one object).

    Job functions take ``(params, ctx)``; they report with the methods below and call
    ``check_cancelled()`` between units of work. Progress calls are cheap: the context throttles them.
    A worker's context also carries the backend's ``confinement`` (read it with ``confinement_of``).
    """

    job_id: str
    #: the job this one continues (``ResumeJob``), or "" for a fresh start
    resumed_from: str
    #: the workspace's artifact store (models, reports, checkpoints, ...)
    store: ArtifactStore
    #: the workspace folder (its state, such as the remote's configuration, is under ``.omni/``)
    workspace_root: Path
    #: a private scratch folder for this job, kept across a resume of it
    scratch_dir: Path

    def progress(self, done: int, total: int = 0, *, unit: str = "", message: str = "") -> None: ...

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None: ...

    def log(self, message: str, level: str = "info") -> None: ...

    def artifact(
        self, key: str, kind: str, *, size_bytes: int = 0, sha256: str = "", description: str = ""
    ) -> None: ...

    def item(self, outcome: jobs_pb2.ItemOutcome) -> None:
        """What became of one item (an image restored, detected, imported): one call per item, an ``item`` event."""
        ...

    def evaluation(self, result: training_pb2.EvaluationResult) -> None:
        """An evaluate job's typed result: one ``evaluation`` event."""
        ...

    def set_output(self, name: str, value: str) -> None: ...

    @property
    def cancelled(self) -> bool: ...

    @property
    def stop_reason(self) -> str:
        """Why a stop was asked for: "cancelled" (a person) or "interrupted" (the backend is stopping)."""
        ...

    def check_cancelled(self) -> None:
        """Raise ``omni_core.errors.JobCancelled`` if a cancel (or a shutdown) was asked for."""
        ...


def confinement_of(ctx: JobContext) -> Confinement:
    """The file-access policy a job runs under: the backend's (a worker's context carries it); a context
    without one (a job run in process, by the CLI or a test) may read what its caller can."""
    policy = getattr(ctx, "confinement", None)
    return policy if isinstance(policy, Confinement) else unconfined(ctx.workspace_root)
