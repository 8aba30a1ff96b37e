"""The Models view's evaluation: the selected restoration version scored on the real-image set by an
``evaluate`` job (``omni eval --model VERSION [--bm3d]``), its progress, Cancel, and its typed result.

The Qt side submits ``spec()``, streams the job's events into ``add_events`` and asks for a cancel; this
class only holds what is known and says what it allows. A detector has no evaluation job on the backend:
it is scored when trained, so its metrics from training are shown instead.
"""

from __future__ import annotations

from desktop.client.connection import TERMINAL_STATES
from desktop.models.evaluation_table import MODEL_COLUMNS, model_rows, verdicts
from desktop.models.events import Event
from desktop.models.job_text import percent_text
from desktop.models.table_rows import Row
from protos.omni.v1 import jobs_pb2, models_pb2, training_pb2

RESTORATION_LAYERS = ("layer_1", "layer_2")
METRIC_COLUMNS = ("Metric", "Value")
DETECTOR_NOTE = (
    "The backend scores a detector when it trains it (precision, recall, mAP per class on the validation "
    "images); these are its metrics from training. The training report has the per-class table."
)
_ACTIVE = (jobs_pb2.JOB_STATE_QUEUED, jobs_pb2.JOB_STATE_RUNNING)


class EvaluationModel:
    def __init__(self) -> None:
        self.selected: models_pb2.ModelVersion | None = None  # the one version selected in the table
        self.bm3d = False  # BM3D as a baseline too (a few seconds a crop)
        self.self_ensemble = False  # run the model as omni restore --self-ensemble does
        self.version = ""  # the version scored, or being scored
        self.job_id = ""
        self.state: int = jobs_pb2.JOB_STATE_UNSPECIFIED
        self.submitting = False
        self.cancelling = False
        self.progress = jobs_pb2.Progress()
        self.result: training_pb2.ModelEvaluation | None = None
        self.error = ""
        self.changed: Event[[]] = Event()

    # -- what may be done -----------------------------------------------------------------------------

    def select(self, model: models_pb2.ModelVersion | None) -> None:
        self.selected = model
        self.changed.emit()

    def refusal(self) -> str:
        """Why Evaluate does not apply now ("" when it does)."""
        model = self.selected
        if self.running:
            return f"{self.version} is being evaluated"
        if model is None:
            return "Select one version to evaluate it"
        if model.layer not in RESTORATION_LAYERS:
            return "A detector is scored when it is trained: its metrics are below and in its training report"
        return ""

    @property
    def running(self) -> bool:
        return self.submitting or self.state in _ACTIVE

    def can_cancel(self) -> bool:
        return self.running and bool(self.job_id) and not self.cancelling

    def spec(self) -> jobs_pb2.JobSpec:
        """The job for the selected version (``refusal()`` is empty)."""
        assert self.selected is not None
        spec = training_pb2.EvaluateSpec(model=self.selected.version, bm3d=self.bm3d, self_ensemble=self.self_ensemble)
        return jobs_pb2.JobSpec(evaluate=spec)

    # -- the job --------------------------------------------------------------------------------------

    def submit_started(self) -> None:
        assert self.selected is not None
        self.version, self.job_id, self.state = self.selected.version, "", jobs_pb2.JOB_STATE_UNSPECIFIED
        self.submitting, self.cancelling, self.result, self.error = True, False, None, ""
        self.progress = jobs_pb2.Progress()
        self.changed.emit()

    def submitted(self, job: jobs_pb2.Job) -> None:
        self.submitting, self.job_id, self.state = False, job.id, job.state
        self.changed.emit()

    def failed(self, text: str) -> None:
        """The submit or the event stream failed (the job itself reports its failure as an event)."""
        self.submitting = False
        if self.state in _ACTIVE or self.state == jobs_pb2.JOB_STATE_UNSPECIFIED:
            self.state = jobs_pb2.JOB_STATE_FAILED
        self.error = text
        self.changed.emit()

    def cancel_requested(self) -> None:
        self.cancelling = True
        self.changed.emit()

    def add_events(self, events: list[jobs_pb2.JobEvent]) -> None:
        for event in events:
            payload = event.WhichOneof("payload")
            if payload == "progress":
                self.progress = event.progress
                if self.state == jobs_pb2.JOB_STATE_QUEUED:
                    self.state = jobs_pb2.JOB_STATE_RUNNING
            elif payload == "evaluation" and event.evaluation.WhichOneof("result") == "model":
                self.result = event.evaluation.model
            elif payload == "state":
                self.state = event.state.state
                if event.state.state in TERMINAL_STATES and event.state.state != jobs_pb2.JOB_STATE_SUCCEEDED:
                    self.error = event.state.message or "the evaluation stopped"
        self.changed.emit()

    # -- what is shown --------------------------------------------------------------------------------

    def fraction(self) -> float | None:
        if self.state == jobs_pb2.JOB_STATE_SUCCEEDED:
            return 1.0
        total = self.progress.total
        return min(1.0, self.progress.done / total) if total > 0 else None

    def status_text(self) -> str:
        if self.submitting:
            return f"Starting the evaluation of {self.version}…"
        if self.state == jobs_pb2.JOB_STATE_QUEUED:
            return f"{self.version}: queued (job {self.job_id})"
        if self.state == jobs_pb2.JOB_STATE_RUNNING:
            fraction = self.fraction()
            done = f" {percent_text(fraction)}" if fraction is not None else ""
            step = self.progress.message or "scoring on real images"
            return f"{self.version}:{done} {step}{' (cancelling…)' if self.cancelling else ''}"
        if self.state == jobs_pb2.JOB_STATE_SUCCEEDED and self.result is not None:
            return f"{self.version} on real images ({self.result.description})"
        if self.state == jobs_pb2.JOB_STATE_CANCELLED:
            return f"The evaluation of {self.version} was cancelled"
        return ""

    def columns(self) -> tuple[str, ...]:
        return METRIC_COLUMNS if self._shows_detector() else MODEL_COLUMNS

    def rows(self) -> list[Row]:
        """The result's table; for a selected detector with nothing evaluated, its metrics from training."""
        if self._shows_detector():
            assert self.selected is not None
            metrics = self.selected.metrics
            return [Row(key=name, cells=(name, f"{metrics[name]:.4f}")) for name in sorted(metrics)]
        return model_rows(self.result) if self.result is not None else []

    def verdicts(self) -> list[str]:
        if self.result is None or self._shows_detector():
            return [DETECTOR_NOTE] if self._shows_detector() else []
        return [*verdicts(self.result), *self.result.recommendations]

    def report_key(self) -> str:
        """The HTML report's artifact key, once written."""
        return self.result.report_html if self.result is not None and not self._shows_detector() else ""

    def _shows_detector(self) -> bool:
        selected = self.selected
        return selected is not None and selected.layer not in RESTORATION_LAYERS and not self.running
