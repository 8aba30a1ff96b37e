"""The Batch view's Detect mode, Qt-free: the form (detector, confidence, IN, OUT), a run streamed from this
machine through ``Batch.DetectStream`` (against a local backend too), and what the panel shows of it: progress,
boxes per class, the failed images, and the annotated images as they are written.

The run is the CLI's (``omni_core.batch.remote_detect``, which moves to the torch-free client core with its
siblings): the same outputs, resume and summary as ``omni detect``. ``run_events`` drives it on the caller's
thread (a worker thread of the panel) and yields what happens; ``DetectRunModel.apply`` takes those on the UI
thread. Cancel sets the run's stop event: the stream is cancelled at once (a wait for a result is woken), the
writes under way finish, so only whole outputs are left, and the summary says "stopped".
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.client.connection import STOP_POLL_S
from desktop.client.errors import BackendError
from desktop.client.retry import Reconnect
from desktop.models.events import Event
from desktop.models.formatting import format_duration, format_rate
from desktop.models.job_text import item_failed, percent_text
from omni_core.batch.remote import ProgressView
from omni_core.batch.remote_detect import DetectConnection, DetectRunResult, RemoteDetect, detect_remote
from protos.omni.v1 import jobs_pb2, models_pb2

CURRENT = "current"
KIND = "detector"
#: the form's confidence 0 sends 0: the backend's default (the one a detect_batch job takes), shown in the run
DEFAULT_CONF = 0.0
IDLE, RUNNING, STOPPING = "idle", "running", "stopping"
ENDED = ("finished", "stopped", "failed")


@dataclass
class DetectFields:
    input: str = ""
    out: str = ""
    model: str = CURRENT  # a detector version, or "current" (the promoted detector, else the newest)
    conf: float = DEFAULT_CONF
    recursive: bool = False
    resume: bool = True


class DetectFormModel:
    """The form's values and its field errors (``errors``: field name -> why), checked before a run starts."""

    def __init__(self) -> None:
        self.fields = DetectFields()
        self.errors: dict[str, str] = {}
        self.errors_changed: Event[[]] = Event()

    def validate(self) -> dict[str, str]:
        f, errors = self.fields, {}
        source, out = Path(f.input.strip()).expanduser(), Path(f.out.strip()).expanduser()
        if not f.input.strip():
            errors["input"] = "choose the folder of images"
        elif not source.is_dir():
            errors["input"] = f"{f.input} is not a folder on this machine"
        if not f.out.strip():
            errors["out"] = "choose a folder for the results"
        elif "input" not in errors and out.resolve() == source.resolve():
            errors["out"] = "is the input folder; choose another folder for the results"
        if not 0 <= f.conf < 1:
            errors["conf"] = f"must be between 0 (the backend's default) and 1, got {f.conf}"
        self.set_errors(errors)
        return errors

    def set_errors(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        self.errors_changed.emit()

    def apply_server_error(self, error: BaseException) -> None:
        """A refusal of the run's start (a field violation names the field) shown at that field, else generally."""
        field_name = getattr(error, "field", None)
        message = getattr(error, "message", str(error))
        if isinstance(error, BackendError) and error.violations:
            field_name, message = error.violations[0].field, error.violations[0].description
        self.set_errors({field_name if field_name in ("input", "out", "conf", "model") else "": message})

    def request(self) -> RemoteDetect:
        f = self.fields
        return RemoteDetect(
            input=Path(f.input.strip()).expanduser().resolve(),
            out=Path(f.out.strip()).expanduser().resolve(),
            model="" if f.model in ("", CURRENT) else f.model,
            conf=f.conf,
            recursive=f.recursive,
            overwrite=not f.resume,
        )


def detector_choices(versions: list[models_pb2.ModelVersion]) -> list[tuple[str, str]]:
    """(label, value) for the detector box: "current" first, then each detector version, newest first."""
    choices = [("current (the promoted detector, else the newest)", CURRENT)]
    for version in versions:
        if version.kind == KIND:
            promoted = " · promoted" if version.current else ""
            choices.append((f"{version.version}{promoted}", version.version))
    return choices


@dataclass(frozen=True)
class LogEvent:
    message: str
    level: str


@dataclass(frozen=True)
class RunError:
    """The run ended with an error (raised inside the worker thread), carried to the UI thread as a value."""

    error: BaseException


_END = object()


def run_events(
    connection: DetectConnection,
    request: RemoteDetect,
    stop: threading.Event,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[ProgressView | jobs_pb2.ItemOutcome | LogEvent | DetectRunResult | RunError]:
    """Run ``request`` and yield what happens, ending with a ``DetectRunResult`` (or a ``RunError``). The run's
    callbacks come from several threads (the stream's, its writers'): a queue puts them in one order.

    Setting ``stop`` stops the run (``detect_remote``'s stop: the stream is cancelled at once, the result says
    "stopped"). ``should_stop`` (the draining worker's flag) turning true sets ``stop`` too, within
    ``STOP_POLL_S``, and so does closing this iterator early."""
    events: queue.Queue[Any] = queue.Queue()
    reconnect = Reconnect(should_stop=lambda: stop.is_set() or should_stop())

    def progress(view: ProgressView) -> None:
        reconnect.progressed()
        events.put(view)

    def work() -> None:
        try:
            events.put(
                detect_remote(
                    connection,
                    request,
                    on_progress=progress,
                    on_item=events.put,
                    on_log=lambda message, level: events.put(LogEvent(message, level)),
                    retry=reconnect.again,
                    stop=stop,
                )
            )
        except Exception as error:  # noqa: BLE001 - delivered to the UI thread as a value
            events.put(RunError(error))
        finally:
            events.put(_END)

    threading.Thread(target=work, name="omni-detect-run", daemon=True).start()
    try:
        while True:
            try:
                event = events.get(timeout=STOP_POLL_S)
            except queue.Empty:
                if should_stop():
                    stop.set()
                continue
            if event is _END:
                return
            yield event
    except GeneratorExit:  # nobody drains the run any more: stop it (the outputs written stay whole)
        stop.set()
        raise


@dataclass
class ClassCount:
    name: str
    boxes: int = 0
    images: int = 0  # images with at least one box of this class


@dataclass
class DetectRunModel:
    """One run's state as the panel shows it; changed only on the UI thread (``apply``)."""

    state: str = IDLE
    out: Path | None = None
    source: Path | None = None
    done: int = 0
    total: int = 0
    rate: float = 0.0
    eta_seconds: float = -1.0
    message: str = ""
    error: str = ""
    counts: dict[str, ClassCount] = field(default_factory=dict)
    failures: list[jobs_pb2.ItemOutcome] = field(default_factory=list)
    finished: list[jobs_pb2.ItemOutcome] = field(default_factory=list)  # detected now, in finishing order
    log: list[LogEvent] = field(default_factory=list)
    result: DetectRunResult | None = None
    stop_requested: threading.Event = field(default_factory=threading.Event)
    changed: Event[[]] = field(default_factory=Event)
    failure_added: Event[[jobs_pb2.ItemOutcome]] = field(default_factory=Event)
    image_finished: Event[[jobs_pb2.ItemOutcome]] = field(default_factory=Event)

    @property
    def active(self) -> bool:
        return self.state in (RUNNING, STOPPING)

    def start(self, request: RemoteDetect) -> None:
        self.state, self.source, self.out = RUNNING, request.input, request.out
        self.done = self.total = 0
        self.rate, self.eta_seconds, self.message, self.error = 0.0, -1.0, "Starting the detector…", ""
        self.counts, self.failures, self.finished, self.log, self.result = {}, [], [], [], None
        self.stop_requested = threading.Event()
        self.changed.emit()

    def cancel(self) -> None:
        """Ask the run to stop after the images under way (their outputs stay whole)."""
        if self.state == RUNNING:
            self.state, self.message = STOPPING, "Stopping after the images under way…"
            self.stop_requested.set()
            self.changed.emit()

    def apply(self, events: list[Any]) -> None:
        for event in events:
            if isinstance(event, ProgressView):
                self.done, self.total, self.rate, self.eta_seconds = (
                    event.done,
                    event.total,
                    event.rate,
                    event.eta_seconds,
                )
            elif isinstance(event, jobs_pb2.ItemOutcome):
                self._item(event)
            elif isinstance(event, LogEvent):
                self.log.append(event)
            elif isinstance(event, DetectRunResult):
                self._ended(event)
            elif isinstance(event, RunError):
                self.state, self.error = "failed", getattr(event.error, "message", str(event.error))
                self.message = f"Failed: {self.error}"
        self.changed.emit()

    def stream_ended(self, error: BaseException | None) -> None:
        """The worker thread is done; an error here is one the run could not even report."""
        if self.active:
            self.state = "failed"
            self.error = self.message = str(error) if error else "the run ended without a result"
            self.changed.emit()

    def _item(self, item: jobs_pb2.ItemOutcome) -> None:
        if item_failed(item):
            self.failures.append(item)
            self.failure_added.emit(item)
        elif item.ok:
            for name, boxes in item.classes.items():
                count = self.counts.setdefault(name, ClassCount(name))
                count.boxes += boxes
                count.images += 1
            self.finished.append(item)
            self.image_finished.emit(item)

    def _ended(self, result: DetectRunResult) -> None:
        self.result, self.state = result, result.state
        document = result.document
        for name in document.get("classes", []):  # the summary covers every image, also those done before
            self.counts.setdefault(name, ClassCount(name))
        totals = document.get("counts_by_class", {})
        images: Counter[str] = Counter()
        for entry in document.get("per_image", []):
            images.update(name for name, boxes in entry.get("counts", {}).items() if boxes)
        for name, count in self.counts.items():
            count.boxes, count.images = int(totals.get(name, count.boxes)), images.get(name, count.images)
        before = document.get("done_before", 0)
        self.message = {
            "finished": f"Finished: {document.get('images', 0)} images ({before} done before), "
            f"{document.get('detections', 0)} boxes, {len(self.failures)} failed",
            "stopped": "Stopped: the outputs written are whole; Start again to resume",
        }.get(result.state, f"Failed: {result.message}")

    # -- what the panel shows -----------------------------------------------------------------------------

    def class_rows(self) -> list[ClassCount]:
        """The counts table: every class seen (at the end every class of the detector, with boxes or not), most
        boxes first."""
        return sorted(self.counts.values(), key=lambda count: (-count.boxes, count.name))

    def progress_fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def progress_text(self) -> str:
        if not self.total:
            return self.message
        parts = [f"{self.done}/{self.total} images", percent_text(self.progress_fraction())]
        if rate := format_rate(self.rate, "images"):
            parts.append(rate)
        if self.state == RUNNING and self.eta_seconds >= 0:
            parts.append(f"ETA {format_duration(self.eta_seconds)}")
        return " · ".join(parts)

    def paths_of(self, item: jobs_pb2.ItemOutcome) -> tuple[Path, Path]:
        """The input and its annotated image, on this machine."""
        assert self.source is not None and self.out is not None
        return self.source / item.input, self.out / item.output

    def summary_path(self) -> Path | None:
        return None if self.out is None else self.out / "summary.json"
