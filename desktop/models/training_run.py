"""One training run as the Train view draws it: loss per step, metrics per epoch, state, progress, log.

Fed by ``add_events(job_id, events)`` from a ``WatchJob`` replay (from seq 0) and then live. Nothing is
drawn twice: an event is applied once per (job, seq), step losses are keyed by step and per-epoch
metrics by epoch, so replaying a log, reconnecting, or following a resumed job (which re-emits the
epochs it inherited) never duplicates a point. A resumed run is followed as one run: the events of the
jobs it continues are fed first (``training_runs.follow_run``), then its own.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import deque
from collections.abc import Iterable

from desktop.client.connection import TERMINAL_STATES, state_name
from desktop.models.events import Event
from desktop.models.formatting import format_duration, timestamp_datetime
from desktop.models.job_text import event_text, percent_text
from protos.omni.v1 import jobs_pb2

STEP_LOSS = "train/loss_step"
TRAIN_LOSS, VAL_LOSS, VAL_PSNR, VAL_SSIM = "train/loss", "val/loss", "val/psnr", "val/ssim"
IMPROVED, LR, IMAGES_PER_SECOND = "val/improved_fraction", "lr", "train/images_per_second"
# Detection runs (Ultralytics callbacks, per epoch; their progress counts batches)
BOX_LOSS, CLS_LOSS, DFL_LOSS = "train/box_loss", "train/cls_loss", "train/dfl_loss"
PRECISION, RECALL, MAP50, MAP50_95 = "val/precision", "val/recall", "val/map50", "val/map50_95"
DETECTION_LOSSES = ((BOX_LOSS, "box"), (CLS_LOSS, "cls"), (DFL_LOSS, "dfl"))
DETECTION_METRICS = ((PRECISION, "precision"), (RECALL, "recall"), (MAP50, "mAP50"), (MAP50_95, "mAP50-95"))
RESTORATION, DETECTION = "train_restoration", "train_detection"
SAGEMAKER = "train_sagemaker"


def training_kind(job: jobs_pb2.Job) -> str:
    """What a run trains: RESTORATION or DETECTION, also when it runs on SageMaker (its curves are the same)."""
    if job.kind == SAGEMAKER:
        return DETECTION if job.spec.train_sagemaker.HasField("detection") else RESTORATION
    return job.kind


MAX_LOG_LINES = 20_000

_BASELINE = re.compile(r"degraded input: PSNR (?P<psnr>\S+) dB, SSIM (?P<ssim>\S+)")
_EPOCH_OF = re.compile(r"\bepoch (?P<epoch>\d+)/(?P<epochs>\d+)\b")


def parse_baseline(message: str) -> tuple[float, float] | None:
    """``(psnr, ssim)`` of the degraded input from the trainer's log line, or None."""
    match = _BASELINE.search(message)
    if match is None:
        return None
    try:
        psnr, ssim = float(match["psnr"]), float(match["ssim"])
    except ValueError:
        return None
    return (psnr, ssim) if math.isfinite(psnr) and math.isfinite(ssim) else None


def log_line(event: jobs_pb2.JobEvent) -> str:
    """``"18:08:14  epoch 1: loss 0.21, ..."``: local time and what the event says."""
    moment = timestamp_datetime(event.time)
    return f"{moment.strftime('%H:%M:%S') if moment else '--:--:--'}  {event_text(event)}"


class TrainingRunModel:
    def __init__(self) -> None:
        self.series_changed: Event[[]] = Event()  # points or the baseline changed
        self.status_changed: Event[[]] = Event()  # state, progress or the job snapshot changed
        self.log_added: Event[[list[str]]] = Event()
        self.reset: Event[[]] = Event()  # another run (or none) is followed now
        self._clear(None)

    def _clear(self, job_id: str | None) -> None:
        self.job_id = job_id
        self.job: jobs_pb2.Job | None = None  # the followed job's latest snapshot (outputs, message)
        self.kind = RESTORATION  # or DETECTION: which curves the run has (from the job, or its metrics)
        self.state = jobs_pb2.JOB_STATE_UNSPECIFIED
        self.state_message = ""
        self.progress = jobs_pb2.Progress(eta_seconds=-1)
        self.total_epochs = 0
        self.baseline: tuple[float, float] | None = None  # (PSNR, SSIM) of the degraded input
        self.log_lines: deque[str] = deque(maxlen=MAX_LOG_LINES)
        self._last_seq: dict[str, int] = {}  # per job of the chain
        self._last_log_job: str | None = None
        self._steps: list[int] = []
        self._step_losses: list[float] = []
        self._step_row: dict[int, int] = {}
        self._epochs: dict[str, dict[int, float]] = {}
        self._epoch_end_step: dict[int, int] = {}

    def follow(self, job_id: str | None, job: jobs_pb2.Job | None = None) -> None:
        """Forget everything and follow ``job_id`` (its events arrive through ``add_events``)."""
        self._clear(job_id)
        if job is not None:
            self.set_job(job)
        self.reset.emit()

    # -- input ----------------------------------------------------------------------------------------

    def set_job(self, job: jobs_pb2.Job) -> None:
        """A snapshot of the followed job (from WatchJobs): its outputs, and its state if that is newer."""
        if job.id != self.job_id:
            return
        self.job = job
        if job.kind:
            self.kind = training_kind(job)
        if job.last_seq > self._last_seq.get(job.id, 0):
            self.state, self.state_message = job.state, job.message
            if job.HasField("progress"):
                self._set_progress(job.progress)
        self.status_changed.emit()

    def add_events(self, job_id: str, events: Iterable[jobs_pb2.JobEvent]) -> int:
        """Apply the events of ``job_id`` (the followed job or one it continues) not seen yet; returns how many."""
        if self.job_id is None:
            return 0
        own = job_id == self.job_id
        last = self._last_seq.get(job_id, 0)
        applied, series, status = 0, False, False
        lines: list[str] = []
        for event in events:
            if event.seq <= last:
                continue
            last = event.seq
            applied += 1
            kind = event.WhichOneof("payload")
            if kind == "metric":
                series |= self._add_metric(event.metric)
            elif kind == "progress" and own:
                self._set_progress(event.progress)
                status = True
            elif kind == "state":
                if own:
                    self.state, self.state_message = event.state.state, event.state.message
                    status = True
                lines += self._log(job_id, event)
            elif kind in ("log", "artifact"):
                if kind == "log":
                    baseline = parse_baseline(event.log.message)
                    if baseline is not None and baseline != self.baseline:
                        self.baseline, series = baseline, True
                lines += self._log(job_id, event)
        self._last_seq[job_id] = last
        if series:
            self.series_changed.emit()
        if status:
            self.status_changed.emit()
        if lines:
            self.log_added.emit(lines)
        return applied

    def _add_metric(self, metric: jobs_pb2.Metric) -> bool:
        if metric.name in (BOX_LOSS, MAP50):
            self.kind = DETECTION  # events replayed before the job's snapshot arrived
        if metric.name == STEP_LOSS:
            self._add_step_loss(metric.step, metric.value)
            return True
        if metric.epoch <= 0:
            return False
        values = self._epochs.setdefault(metric.name, {})
        if values.get(metric.epoch) == metric.value and metric.epoch in self._epoch_end_step:
            return False
        values[metric.epoch] = metric.value
        self._epoch_end_step[metric.epoch] = metric.step
        return True

    def _add_step_loss(self, step: int, value: float) -> None:
        row = self._step_row.get(step)
        if row is not None:
            self._step_losses[row] = value  # a resumed job redoes the steps after its checkpoint
        elif not self._steps or step > self._steps[-1]:
            self._step_row[step] = len(self._steps)
            self._steps.append(step)
            self._step_losses.append(value)
        else:
            at = bisect.bisect(self._steps, step)
            self._steps.insert(at, step)
            self._step_losses.insert(at, value)
            self._step_row = {s: i for i, s in enumerate(self._steps)}

    def _set_progress(self, progress: jobs_pb2.Progress) -> None:
        self.progress = jobs_pb2.Progress()
        self.progress.CopyFrom(progress)
        match = _EPOCH_OF.search(progress.message)
        if match is not None:
            self.total_epochs = int(match["epochs"])

    def _log(self, job_id: str, event: jobs_pb2.JobEvent) -> list[str]:
        lines = []
        if job_id != self._last_log_job:
            if self._last_log_job is not None or job_id != self.job_id:
                lines.append(f"── {job_id} ──")
            self._last_log_job = job_id
        lines.append(log_line(event))
        self.log_lines.extend(lines)
        return lines

    # -- series ---------------------------------------------------------------------------------------

    @property
    def steps_per_epoch(self) -> int:
        """Steps in one epoch, from the progress total or a finished epoch; 0 while unknown."""
        if self.progress.unit in ("steps", "batches") and self.progress.total > 0 and self.total_epochs > 0:
            return max(1, self.progress.total // self.total_epochs)
        for epoch, step in sorted(self._epoch_end_step.items()):
            if epoch > 0 and step > 0:
                return max(1, step // epoch)
        return 0

    def step_losses(self) -> tuple[list[float], list[float]]:
        """(x in epochs, loss) of every training step seen; x is the step itself while an epoch's length is unknown."""
        per_epoch = self.steps_per_epoch
        xs = [step / per_epoch for step in self._steps] if per_epoch else [float(s) for s in self._steps]
        return xs, list(self._step_losses)

    def epoch_series(self, name: str) -> tuple[list[float], list[float]]:
        """(epoch, value) of one per-epoch metric, in epoch order."""
        values = self._epochs.get(name, {})
        epochs = sorted(values)
        return [float(epoch) for epoch in epochs], [values[epoch] for epoch in epochs]

    def epoch_value(self, name: str, epoch: int) -> float | None:
        return self._epochs.get(name, {}).get(epoch)

    @property
    def epochs_done(self) -> int:
        return max((max(values) for values in self._epochs.values() if values), default=0)

    @property
    def point_count(self) -> int:
        return len(self._steps) + sum(len(values) for values in self._epochs.values())

    # -- text -----------------------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL_STATES

    def state_text(self) -> str:
        return "" if self.state == jobs_pb2.JOB_STATE_UNSPECIFIED else state_name(self.state)

    def progress_fraction(self) -> float | None:
        """Done/total in [0, 1]; 1 once succeeded; None while unknown (e.g. checking data, exporting)."""
        if self.state == jobs_pb2.JOB_STATE_SUCCEEDED:
            return 1.0
        if self.progress.total <= 0:
            return None
        return min(1.0, max(0.0, self.progress.done / self.progress.total))

    def progress_text(self) -> str:
        """``"epoch 3/10 · 37% · ETA 2m05s"`` while training; what happens now otherwise."""
        if self.state == jobs_pb2.JOB_STATE_SUCCEEDED:
            return f"succeeded · {self.epochs_done} epochs" if self.epochs_done else "succeeded"
        if self.finished:
            done = f"{self.epochs_done} epochs done" if self.epochs_done else "no epoch finished"
            return f"{self.state_text()} · {done}"
        if self.state == jobs_pb2.JOB_STATE_QUEUED:
            return "queued"
        parts = [self.progress.message] if self.progress.message else []
        fraction = self.progress_fraction()
        if fraction is not None:
            parts.append(percent_text(fraction))
            if self.progress.eta_seconds >= 0:
                parts.append(f"ETA {format_duration(self.progress.eta_seconds)}")
        return " · ".join(parts) or self.state_text()

    @property
    def is_detection(self) -> bool:
        return self.kind == DETECTION

    def latest_epoch_text(self) -> str:
        """``"epoch 2: loss 0.2336 (val 0.2239) · PSNR 11.32 dB · SSIM 0.5442 · improved 0% · 227 img/s"``."""
        epoch = self.epochs_done
        if not epoch:
            return ""
        if self.is_detection:
            return self._detection_epoch_text(epoch)
        value = {name: self.epoch_value(name, epoch) for name in (TRAIN_LOSS, VAL_LOSS)}
        loss = f"loss {value[TRAIN_LOSS]:.4f}" if value[TRAIN_LOSS] is not None else ""
        if value[VAL_LOSS] is not None:
            loss = f"{loss} (val {value[VAL_LOSS]:.4f})".strip()
        parts = [loss] if loss else []
        for name, fmt in (
            (VAL_PSNR, "PSNR {:.2f} dB"),
            (VAL_SSIM, "SSIM {:.4f}"),
            (IMPROVED, "improved {:.0%}"),
            (IMAGES_PER_SECOND, "{:.0f} img/s"),
        ):
            metric = self.epoch_value(name, epoch)
            if metric is not None:
                parts.append(fmt.format(metric))
        return f"epoch {epoch}: " + " · ".join(parts)

    def _detection_epoch_text(self, epoch: int) -> str:
        """``"epoch 3: box 1.214 · cls 2.801 · dfl 1.050 · P 0.612 · R 0.498 · mAP50 0.541 · mAP50-95 0.301"``."""
        parts = []
        for name, fmt in (
            (BOX_LOSS, "box {:.3f}"),
            (CLS_LOSS, "cls {:.3f}"),
            (DFL_LOSS, "dfl {:.3f}"),
            (PRECISION, "P {:.3f}"),
            (RECALL, "R {:.3f}"),
            (MAP50, "mAP50 {:.3f}"),
            (MAP50_95, "mAP50-95 {:.3f}"),
            (IMAGES_PER_SECOND, "{:.0f} img/s"),
        ):
            value = self.epoch_value(name, epoch)
            if value is not None:
                parts.append(fmt.format(value))
        return f"epoch {epoch}: " + " · ".join(parts)
