"""The ``JobContext`` a trainer gets inside the SageMaker container: the same seam a local job reports
through, with stdout as the event log (CloudWatch collects it) and SIGTERM as the stop request.

SageMaker sends SIGTERM before it reclaims a Spot instance (and on StopTrainingJob); the trainer sees
``stop_reason == "interrupted"`` at its next check, saves its checkpoint into the folder SageMaker syncs,
and the restarted container resumes from it.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TextIO

from backend.cloud.sagemaker.container import ContainerPaths
from backend.cloud.sagemaker.monitor import metric_line
from backend.storage.base import ArtifactStore
from backend.storage.local import LocalStore
from omni_core.errors import JobCancelled
from protos.omni.v1 import jobs_pb2, training_pb2

#: progress and per-step metric lines at most this often (CloudWatch bills per line ingested)
PROGRESS_EVERY_S = 30.0
STEP_METRIC_EVERY_S = 10.0


class ContainerContext:
    """A JobContext over the container's folders; install ``handle_sigterm`` before training starts."""

    def __init__(self, paths: ContainerPaths, *, scratch_dir: Path, out: TextIO | None = None) -> None:
        self.paths = paths
        self.job_id = paths.job_name
        self.workspace_root = paths.checkpoint_dir
        #: checkpoints are keys under the synced folder, exactly where a local run keeps them in its store
        self.store: ArtifactStore = LocalStore(paths.checkpoint_dir)
        self.scratch_dir = scratch_dir
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        self.resumed_from = ""
        self.outputs: dict[str, str] = {}
        self._out = out or sys.stdout
        self._stop = threading.Event()
        self._last_progress = 0.0
        self._last_step_metric = -STEP_METRIC_EVERY_S

    def resume_if_checkpointed(self, checkpoint_key: str) -> bool:
        """Continue from the synced checkpoint when there is one (a Spot restart); returns whether."""
        if self.store.exists(checkpoint_key):
            self.resumed_from = self.job_id
        return bool(self.resumed_from)

    def handle_sigterm(self) -> None:
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, _signum: int, _frame: FrameType | None) -> None:
        self._stop.set()

    def _print(self, line: str) -> None:
        print(line, file=self._out, flush=True)

    def progress(self, done: int, total: int = 0, *, unit: str = "", message: str = "") -> None:
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_EVERY_S and not (total and done >= total):
            return
        self._last_progress = now
        of = f"/{total}" if total else ""
        self._print(f"omni-progress {done}{of} {unit} {message}".rstrip())

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        if name.endswith("_step"):  # per-step curves: a point now and then; per-epoch metrics: every one
            now = time.monotonic()
            if now - self._last_step_metric < STEP_METRIC_EVERY_S:
                return
            self._last_step_metric = now
        self._print(metric_line(name, value, epoch=epoch, step=step))

    def log(self, message: str, level: str = "info") -> None:
        self._print(f"omni-log {level}: {message}")

    def artifact(self, key: str, kind: str, *, size_bytes: int = 0, sha256: str = "", description: str = "") -> None:
        self._print(f"omni-log info: wrote {kind} {key}")

    def item(self, outcome: jobs_pb2.ItemOutcome) -> None:
        if not outcome.ok:
            self._print(f"omni-log warning: {outcome.input}: {outcome.reason}")

    def evaluation(self, result: training_pb2.EvaluationResult) -> None:
        return  # no evaluate job runs on SageMaker

    def set_output(self, name: str, value: str) -> None:
        self.outputs[name] = value

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    @property
    def stop_reason(self) -> str:
        return "interrupted"

    def check_cancelled(self) -> None:
        if self._stop.is_set():
            raise JobCancelled("SageMaker asked the container to stop (Spot interruption or StopTrainingJob)")
