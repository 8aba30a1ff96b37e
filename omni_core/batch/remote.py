"""The client side of a remote restore: the images live here, the backend has the model.

Same folder walk, plan, resume rule, atomic writes and summary as a job on the backend; the only
difference is that images travel through ``Batch.RestoreStream`` (several in flight). Imports stay light
(Pillow, numpy, protobuf): no ONNX Runtime, no PyTorch, nothing of the desktop.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from omni_core.batch.domain_check import UNKNOWN, check_inputs
from omni_core.batch.items import planned_items, restored_item
from omni_core.batch.outcome import Outcome
from omni_core.batch.output import DiskFull, remove_partials, write_atomic
from omni_core.batch.params import RestoreOptions, check_options
from omni_core.batch.plan import Plan, PlannedImage, check_folders, plan_outputs, reference_index
from omni_core.batch.summary import BatchSummary, run_settings
from omni_core.batch.walk import scan_folder
from omni_core.errors import FailedPrecondition, Unavailable
from protos.omni.v1 import batch_pb2, jobs_pb2

IN_FLIGHT = 4
#: a stream that ends without its ``done`` message (and not stopped) lost results: the run fails, not "finished"
ENDED_EARLY = "the backend ended the stream before its `done` message; images without a result are left to resume"
STOPPED_MESSAGE = "stopped; the outputs written are whole, run again to resume"


class StreamingConnection(Protocol):
    """What this needs of ``desktop.client.Connection`` (duck-typed: the backend may not import it)."""

    def restore_stream(
        self,
        start: batch_pb2.RestoreStreamStart,
        images: Iterable[tuple[str, bytes, bytes | None]],
        *,
        in_flight: int,
        stop: threading.Event | None = None,
    ) -> Iterator[batch_pb2.RestoreStreamResponse]:
        """Yields ``ready``, one ``result`` per image, then ``done``; setting ``stop`` cancels the call at once and
        ends the iteration quietly (from any thread: a call blocked waiting for a result is woken)."""
        ...


@dataclass(frozen=True)
class RemoteRestore:
    input: Path
    out: Path
    options: RestoreOptions
    recursive: bool = False
    overwrite: bool = False
    ref: Path | None = None


@dataclass
class ProgressView:
    """What a display needs after each image: counts, rate over the recent window, ETA."""

    done: int
    total: int
    rate: float
    eta_seconds: float
    message: str


@dataclass
class Rate:
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=50))

    def add(self, done: int) -> float:
        self.samples.append((time.monotonic(), done))
        (t0, d0), (t1, d1) = self.samples[0], self.samples[-1]
        return (d1 - d0) / (t1 - t0) if t1 > t0 else 0.0


def _start_message(options: RestoreOptions) -> batch_pb2.RestoreStreamStart:
    return batch_pb2.RestoreStreamStart(
        model=options.model,
        layer=options.layer,
        tile=options.tile,
        overlap=options.overlap,
        format=options.format,
        quality=options.quality,
        require_provider=options.require_provider,
        precision=options.precision,
        batch_size=options.batch_size,
        tier=options.tier,
        self_ensemble=options.self_ensemble,
    )


def _outcome(result: batch_pb2.ImageResult) -> Outcome:
    metrics = None
    if result.HasField("metrics"):
        m = result.metrics
        metrics = {
            "psnr_before": m.psnr_before,
            "psnr_after": m.psnr_after,
            "ssim_before": m.ssim_before,
            "ssim_after": m.ssim_after,
        }
    return Outcome(
        key=result.id,
        output=result.output,
        restored=result.restored,
        reason=result.reason,
        width=result.width,
        height=result.height,
        seconds=result.seconds,
        tile=result.tile,
        plan=result.plan,
        notes=list(result.notes),
        metrics=metrics,
        metrics_problem=result.metrics_problem,
        size_bytes=result.size_bytes,
        pages=max(result.pages, 1),
        pixels=result.pixels,
    )


def read_error(error: OSError) -> str:
    """The same words the backend's decoder uses for the same problems."""
    if isinstance(error, FileNotFoundError):
        return "vanished: the file was removed during the run"
    if isinstance(error, PermissionError):
        return "unreadable: permission denied"
    return f"unreadable: {error.strerror or error}"


class _Run:
    def __init__(
        self,
        request: RemoteRestore,
        plan: Plan,
        summary: BatchSummary,
        on_progress: Callable[[ProgressView], None],
        on_log: Callable[[str, str], None],
        on_item: Callable[[jobs_pb2.ItemOutcome], None],
        stop: threading.Event,
        on_ready: Callable[[batch_pb2.RestoreStreamReady], None] = lambda ready: None,
    ) -> None:
        self.request, self.plan, self.summary = request, plan, summary
        self.stop = stop
        self.on_progress, self.on_log, self.on_item = on_progress, on_log, on_item
        self.on_ready = on_ready
        self.items = {item.relative: item for item in plan.todo}
        self.recorded: set[str] = set()  # keys with an outcome: never sent again after a reconnect
        self.lock = threading.Lock()
        self.done = 0
        self.rate = Rate()

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            if outcome.key in self.recorded:
                return
            self.recorded.add(outcome.key)
            self.summary.add(outcome)
            self.done += 1
            rate = self.rate.add(self.done)
            total = len(self.plan.todo)
            eta = (total - self.done) / rate if rate > 0 else -1.0
            view = ProgressView(self.done, total, rate, eta, outcome.key)
        self.on_item(restored_item(outcome))
        self.on_progress(view)

    def images(self) -> Iterator[tuple[str, bytes, bytes | None]]:
        """Read each file as the stream asks for it (this runs in gRPC's sending thread); after a reconnect, only
        the files without an outcome yet."""
        for item in self.plan.todo:
            if self.stop.is_set():
                return
            if item.relative in self.recorded:
                continue
            try:
                data = item.source.read_bytes()
                reference = item.reference.read_bytes() if item.reference is not None else None
            except OSError as error:
                self.record(Outcome(item.relative, item.output, False, read_error(error)))
                continue
            if not data:
                self.record(Outcome(item.relative, item.output, False, "empty file (0 bytes)"))
                continue
            yield item.relative, data, reference

    @property
    def complete(self) -> bool:
        return len(self.recorded) >= len(self.plan.todo)

    def write(self, result: batch_pb2.ImageResult) -> None:
        item: PlannedImage | None = self.items.get(result.id)
        outcome = _outcome(result)
        if item is None or result.id in self.recorded:
            return  # not ours (a backend answering for an image never sent), or written before a reconnect
        outcome.output = item.output  # where it goes is decided here, never by the backend
        if outcome.restored:
            try:
                outcome.size_bytes = write_atomic(item.target, result.data)
            except DiskFull:
                raise
            except OSError as error:
                outcome.restored, outcome.reason = False, f"could not write {item.output}: {error.strerror or error}"
        self.record(outcome)


def restore_remote(
    connection: StreamingConnection,
    request: RemoteRestore,
    *,
    on_progress: Callable[[ProgressView], None] = lambda view: None,
    on_log: Callable[[str, str], None] = lambda message, level: None,
    on_item: Callable[[jobs_pb2.ItemOutcome], None] = lambda item: None,
    retry: Callable[[BaseException], bool] = lambda error: False,
    stop: threading.Event | None = None,
    on_ready: Callable[[batch_pb2.RestoreStreamReady], None] = lambda ready: None,
) -> BatchSummary:
    """Restore ``request.input`` into ``request.out`` through the backend; returns the written summary.

    ``on_item`` hears what became of every file: each one the plan leaves out first, then each image as it
    finishes (from any thread, like ``on_progress``). ``on_ready`` hears the backend's ``ready`` message (the
    model, provider and precision that run, and why) each time a stream starts.

    When the stream fails, ``retry(error)`` decides (after waiting, as it sees fit) whether to open a new one;
    a new stream carries only the images without a result yet, so no output is written twice.

    Setting ``stop`` (from any thread: the desktop's Cancel, the CLI's Ctrl+C handler) cancels the stream at
    once; the summary is written as "stopped" and returned with that state: only whole outputs are left, and a
    second run resumes. A KeyboardInterrupt raised inside the run is handled the same way, then re-raised. A
    full disk (DiskFull) or an error from the backend writes the summary as "failed" with the reason, and is
    raised.
    """
    stop = stop if stop is not None else threading.Event()
    options = check_options(request.options)
    source, out = request.input.resolve(), request.out.resolve()
    if not source.is_dir():
        raise FailedPrecondition(f"{request.input} is not a folder", field="input")
    check_folders(source, out, recursive=request.recursive)
    out.mkdir(parents=True, exist_ok=True)
    if removed := remove_partials(out):
        on_log(f"removed {removed} temporary file(s) an interrupted run left in {out}", "info")
    started = time.time()
    scan = scan_folder(source, recursive=request.recursive, exclude=out)
    references = reference_index(request.ref) if request.ref is not None else None
    plan = plan_outputs(
        scan,
        input_root=source,
        out_root=out,
        fmt=options.format,
        overwrite=request.overwrite,
        recursive=request.recursive,
        references=references,
    )
    summary = BatchSummary(
        mode="remote", input=str(source), out=str(out), model=options.model, layer="", started_at=started
    )
    summary.found, summary.skipped, summary.failed = plan.found, list(plan.skipped), list(plan.failed)
    summary.missing_reference, summary.references = plan.missing_reference, references is not None
    summary.subfolders_not_entered = plan.subfolders_not_entered
    summary.settings = run_settings(
        options, options.batch_size, 0, recursive=request.recursive, resume=not request.overwrite
    )
    if plan.found == 0:
        summary.finish("failed", "no images found")
        summary.write(out)
        entered = plan.subfolders_not_entered
        hint = f"; {entered} subfolder(s) not entered: use --recursive" if entered else ""
        raise FailedPrecondition(
            f"no images in {request.input} ({len(plan.skipped)} other file(s){hint})", field="input"
        )
    run = _Run(request, plan, summary, on_progress, on_log, on_item, stop, on_ready)
    for item in planned_items(plan, options.format):
        on_item(item)
    already = sum(1 for item in plan.skipped if item.reason.startswith("already restored"))
    on_log(f"{plan.found} image(s) found: {len(plan.todo)} to restore, {already} already restored", "info")
    try:
        if plan.todo:
            _stream_until_done(connection, options, run, retry)
    except KeyboardInterrupt:
        summary.finish("stopped", STOPPED_MESSAGE)
        _write_quietly(summary, out)
        raise
    except Exception as error:  # a full disk, or the backend refused the run or went away: say so in OUT too
        if not stop.is_set():
            summary.finish("failed", f"{error}; every output already written is whole")
            _write_quietly(summary, out)
            raise
    if stop.is_set() and not run.complete:
        summary.finish("stopped", STOPPED_MESSAGE)
        _write_quietly(summary, out)
        return summary
    summary.finish("finished")
    summary.write(out)
    return summary


def _stream_until_done(
    connection: StreamingConnection, options: RestoreOptions, run: _Run, retry: Callable[[BaseException], bool]
) -> None:
    while True:
        try:
            _stream(connection, options, run)
            return
        except (KeyboardInterrupt, DiskFull):
            raise
        except Exception as error:
            left = len(run.plan.todo) - len(run.recorded)
            if run.stop.is_set() or not retry(error):
                raise
            run.on_log(f"the stream broke ({error}); streaming again: {left} image(s) to go", "warning")


def _stream(connection: StreamingConnection, options: RestoreOptions, run: _Run) -> None:
    called = time.time()
    responses = connection.restore_stream(_start_message(options), run.images(), in_flight=IN_FLIGHT, stop=run.stop)
    try:
        for response in responses:
            if run.stop.is_set():
                return  # what is still in flight is dropped: the next run restores it
            kind = response.WhichOneof("message")
            if kind == "ready":
                run.summary.model_load_seconds = time.time() - called
                _ready(run, response.ready)
            elif kind == "result":
                run.write(response.result)
            elif kind == "done":
                return
        if not run.stop.is_set():
            raise Unavailable(ENDED_EARLY)
    finally:
        close = getattr(responses, "close", None)
        if close is not None:
            close()  # cancels the call if it is still open (stopped, disk full)


def _ready(run: _Run, ready: batch_pb2.RestoreStreamReady) -> None:
    summary = run.summary
    summary.model, summary.layer, summary.model_note = ready.model, ready.layer, ready.model_note
    summary.model_domain = ready.model_domain or UNKNOWN
    summary.provider, summary.provider_warnings = ready.provider, list(ready.provider_warnings)
    summary.settings["batch"] = ready.batch_size
    summary.settings["batch_pixels"] = ready.batch_pixels
    summary.settings["self_ensemble"] = ready.self_ensemble  # what ran, whatever was asked
    summary.tile_limit = ready.tile_limit
    summary.precision, summary.precision_reason = ready.precision, ready.precision_reason
    run.on_log(f"model {ready.model} ({ready.layer})" + (f": {ready.model_note}" if ready.model_note else ""), "info")
    run.on_log(f"model trained for: {summary.model_domain}", "info")
    if not summary.domain_warning:  # a stream that broke and started again has looked already
        summary.domain_warning = check_inputs(summary.model_domain, [item.source for item in run.plan.todo])
        if summary.domain_warning:
            run.on_log(f"domain: {summary.domain_warning}", "warning")
    run.on_log(f"execution provider: {ready.provider}", "info")
    if ready.precision:  # as a job's log says it (a backend older than precisions does not)
        run.on_log(f"precision: {ready.precision} ({ready.precision_reason})", "info")
    for warning in ready.provider_warnings:
        run.on_log(warning, "warning")
    run.on_ready(ready)


def _write_quietly(summary: BatchSummary, out: Path) -> None:
    try:
        summary.write(out)
    except OSError:
        pass
