"""The client side of a streamed batch detection: the images live here, the detector on the backend.

Same walk, plan, resume rule, outputs and summary as the ``detect_batch`` job (``backend.detection.batch``):
the images travel through ``Batch.DetectStream`` (several in flight), the boxes come back, and the annotated
images, labels and records are drawn and written here, atomically, by the code the job uses. Imports stay light
(Pillow, numpy, protobuf): no ONNX Runtime, no PyTorch, nothing of the desktop.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from omni_core.batch.output import DiskFull, remove_partials
from omni_core.batch.remote import ENDED_EARLY, ProgressView, Rate, read_error
from omni_core.batch.walk import scan_folder
from omni_core.detection.batch_output import (
    SUMMARY_JSON,
    detected_item,
    record,
    summary_header,
    write_outputs,
    write_summary,
)
from omni_core.detection.batch_plan import CORRUPT, DONE_BEFORE, Planned, Work, check_out, plan_work, split_done
from omni_core.detection.boxes import Detection
from omni_core.detection.images import UnreadableImage, decode_rgb
from omni_core.errors import FailedPrecondition, Unavailable
from protos.omni.v1 import batch_pb2, jobs_pb2

IN_FLIGHT = 4  # images sent ahead of their results
WRITERS = 2  # threads drawing and writing outputs while the next results arrive
FINISHED, STOPPED, FAILED = "finished", "stopped", "failed"


class DetectConnection(Protocol):
    """What this needs of ``desktop.client.Connection`` (duck-typed: the backend may not import it)."""

    def detect_stream(
        self,
        start: batch_pb2.DetectStreamStart,
        images: Iterable[tuple[str, bytes]],
        *,
        in_flight: int,
        stop: threading.Event | None = None,
    ) -> Iterator[batch_pb2.DetectStreamResponse]:
        """Yields ``ready``, one ``result`` per image, then ``done``; setting ``stop`` cancels the call at once and
        ends the iteration quietly (from any thread: a call blocked waiting for a result is woken)."""
        ...


@dataclass(frozen=True)
class RemoteDetect:
    """A run's request. Zero / "" means the backend's default (the ones a ``detect_batch`` job takes)."""

    input: Path
    out: Path
    model: str = ""  # a detector version, or "" / "current"
    conf: float = 0.0
    iou: float = 0.0
    max_det: int = 0
    require_provider: str = ""
    recursive: bool = False
    overwrite: bool = False  # redo images already done (the CLI's --no-resume)


@dataclass
class DetectRunResult:
    """How the run ended and its ``summary.json`` (``document``), written into OUT whatever the end."""

    state: str  # finished | stopped | failed
    message: str
    document: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[dict[str, str]]:
        """The images that could not be read (corrupt, vanished), with the reason."""
        return [p for p in self.document.get("problems", []) if p["status"] == CORRUPT]


class _Stopped(Exception):
    """The caller asked the run to stop (``stop`` set)."""


class _Run:
    def __init__(
        self,
        request: RemoteDetect,
        out: Path,
        work: Work,
        on_progress: Callable[[ProgressView], None],
        on_log: Callable[[str, str], None],
        on_item: Callable[[jobs_pb2.ItemOutcome], None],
        stop: threading.Event,
    ) -> None:
        self.request, self.out, self.work = request, out, work
        self.on_progress, self.on_log, self.on_item, self.stop = on_progress, on_log, on_item, stop
        self.ready: batch_pb2.DetectStreamReady | None = None
        self.ready_event = threading.Event()
        self.identity: dict[str, Any] = {}
        self.items: dict[str, Planned] = {}
        self.recorded: set[str] = set()  # keys with an outcome (or a write under way): never sent again
        self.lock = threading.Lock()
        self.finished = 0
        self.rate = Rate()
        self.writes: list[Future[None]] = []
        self.pool = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="detect-write")
        self.started = time.perf_counter()

    # -- the backend's answers ------------------------------------------------------------------------------

    def on_ready(self, ready: batch_pb2.DetectStreamReady) -> None:
        """The detector is known: resume is decided against its version and settings (first stream only)."""
        first = self.ready is None
        self.ready = ready
        self.on_log(f"detector {ready.model} ({ready.model_note}), classes: {', '.join(ready.classes)}", "info")
        self.on_log(f"execution provider: {ready.provider}", "info")
        for warning in ready.provider_warnings:
            self.on_log(warning, "warning")
        if first:
            self.identity = {"model": ready.model, "conf": ready.conf, "iou": ready.iou, "max_det": ready.max_det}
            split_done(self.work, self.identity, overwrite=self.request.overwrite)
            self.items = {item.relative: item for item in self.work.todo}
            for item in self.work.done:
                output = item.annotated(self.out)
                self.on_item(jobs_pb2.ItemOutcome(input=item.relative, output=output, skipped=True, reason=DONE_BEFORE))
            done, todo = len(self.work.done), len(self.work.todo)
            self.on_log(f"{done + todo} image(s): {done} done already, {todo} to detect", "info")
            self.finished = done
            self.started = time.perf_counter()
            self.on_progress(ProgressView(done, done + todo, 0.0, -1.0, ""))
        self.ready_event.set()

    def on_result(self, result: batch_pb2.DetectResult) -> None:
        item = self.items.get(result.id)
        with self.lock:
            if item is None or result.id in self.recorded:
                return  # not ours, or answered before a reconnect
            self.recorded.add(result.id)
        if not result.detected:
            self._failed(item, result.reason)
            return
        self._reap(limit=2 * IN_FLIGHT)
        self.writes.append(self.pool.submit(self._write, item, result))

    def _write(self, item: Planned, result: batch_pb2.DetectResult) -> None:
        try:
            pixels = decode_rgb(item.source)
        except (UnreadableImage, OSError) as error:
            reason = error.reason if isinstance(error, UnreadableImage) else read_error(error)
            self._failed(item, f"{reason} (read again to draw the boxes)")
            return
        height, width = pixels.shape[:2]
        if (width, height) != (result.width, result.height):
            self._failed(item, f"changed during the run: {width}x{height} px here, {result.width}x{result.height} sent")
            return
        found = [Detection(b.class_id, b.class_name, b.confidence, b.x1, b.y1, b.x2, b.y2) for b in result.boxes]
        rec = record(item.relative, item.source, width, height, found, self.identity, result.seconds)
        write_outputs(item.paths, pixels, found, rec)
        self._report(detected_item(item.relative, item.annotated(self.out), rec))

    def _failed(self, item: Planned, reason: str) -> None:
        with self.lock:
            self.work.problems.append({"file": item.relative, "status": CORRUPT, "reason": reason})
        self._report(jobs_pb2.ItemOutcome(input=item.relative, reason=reason))

    def _report(self, outcome: jobs_pb2.ItemOutcome) -> None:
        with self.lock:
            self.finished += 1
            rate = self.rate.add(self.finished)
            total = len(self.work.todo) + len(self.work.done)
            eta = (total - self.finished) / rate if rate > 0 else -1.0
            view = ProgressView(self.finished, total, rate, eta, outcome.input)
        self.on_item(outcome)
        self.on_progress(view)

    def _reap(self, limit: int) -> None:
        """Wait for the oldest writes while more than ``limit`` run (a slow disk holds the stream back), and
        raise a write's error (a full disk) here."""
        while len(self.writes) > limit:
            self.writes.pop(0).result()
        for write in [w for w in self.writes if w.done()]:
            self.writes.remove(write)
            write.result()

    def settle(self) -> None:
        self._reap(limit=0)

    # -- the images sent ------------------------------------------------------------------------------------

    def images(self) -> Iterator[tuple[str, bytes]]:
        """Read each file as the stream asks for it (gRPC's sending thread), once the backend is ready and resume
        is decided; after a reconnect only the files without an outcome yet."""
        while not self.ready_event.wait(0.1):
            if self.stop.is_set():
                return
        for item in self.work.todo:
            if self.stop.is_set():
                return
            if item.relative in self.recorded:
                continue
            try:
                data = item.source.read_bytes()
            except OSError as error:
                self._skip_unsent(item, read_error(error))
                continue
            if not data:
                self._skip_unsent(item, "empty file (0 bytes)")
                continue
            yield item.relative, data

    def _skip_unsent(self, item: Planned, reason: str) -> None:
        with self.lock:
            self.recorded.add(item.relative)
        self._failed(item, reason)

    # -- the end --------------------------------------------------------------------------------------------

    def summary(self, source: Path, state: str, message: str) -> dict[str, Any]:
        ready = self.ready
        corrupt = sum(1 for p in self.work.problems if p["status"] == CORRUPT)
        names = list(ready.classes) if ready is not None else []
        header = summary_header(
            model=ready.model if ready is not None else self.request.model,
            provider=ready.provider if ready is not None else "",
            conf=ready.conf if ready is not None else self.request.conf,
            iou=ready.iou if ready is not None else self.request.iou,
            source=str(source),
            classes=names,
            subfolders_not_entered=self.work.subfolders_not_entered,
            todo=len(self.recorded),
            done_before=len(self.work.done),
            corrupt=corrupt,
            seconds=time.perf_counter() - self.started,
        )
        header.update({"mode": "remote", "state": state, "message": message})
        paths = [item.paths.record for item in sorted(self.work.todo + self.work.done, key=lambda i: i.relative)]
        _, files = write_summary(self.out, paths, names, self.work.problems, header)
        return dict(json.loads(files[SUMMARY_JSON]))


def detect_remote(
    connection: DetectConnection,
    request: RemoteDetect,
    *,
    on_progress: Callable[[ProgressView], None] = lambda view: None,
    on_log: Callable[[str, str], None] = lambda message, level: None,
    on_item: Callable[[jobs_pb2.ItemOutcome], None] = lambda item: None,
    retry: Callable[[BaseException], bool] = lambda error: False,
    stop: threading.Event | None = None,
) -> DetectRunResult:
    """Detect in ``request.input``'s images through the backend and write the job's outputs into ``request.out``.

    ``on_item`` hears what became of every file (left out, done before, then each image as its outputs are
    written), ``on_progress`` each image finished; both from any thread. When the stream fails, ``retry(error)``
    decides (after waiting) whether to open a new one, which carries only the images without a result.

    Setting ``stop`` (from any thread: the desktop's Cancel, the CLI's Ctrl+C handler) cancels the stream at once,
    as for ``restore_remote``: the writes under way finish, so the outputs written are whole, the summary says
    "stopped" and the result has that state; a second run resumes. A KeyboardInterrupt raised inside the run is
    handled the same way, then re-raised; so is an error (a full disk, the backend refusing the run), with the
    summary saying "failed".
    """
    stop = stop if stop is not None else threading.Event()
    source, out = request.input.resolve(), request.out.resolve()
    if not source.is_dir():
        raise FailedPrecondition(f"{request.input} is not a folder", field="input")
    check_out(source, out, recursive=request.recursive)
    out.mkdir(parents=True, exist_ok=True)
    if removed := remove_partials(out):
        on_log(f"removed {removed} temporary file(s) an interrupted run left in {out}", "info")
    work = plan_work(scan_folder(source, recursive=request.recursive, exclude=out), out)
    if work.subfolders_not_entered:
        on_log(f"{work.subfolders_not_entered} subfolder(s) of {source} not entered (use --recursive)", "info")
    run = _Run(request, out, work, on_progress, on_log, on_item, stop)
    for problem in work.problems:
        on_item(jobs_pb2.ItemOutcome(input=problem["file"], skipped=True, reason=problem["reason"]))
    try:
        _stream_until_done(connection, request, run, retry)
        run.settle()
    except (_Stopped, KeyboardInterrupt) as stop:
        _wait_quietly(run)
        message = "stopped; the outputs written are whole, run again to resume"
        result = DetectRunResult(STOPPED, message, _summary_quietly(run, source, STOPPED, message))
        if isinstance(stop, KeyboardInterrupt):
            raise
        return result
    except Exception as error:
        _wait_quietly(run)
        _summary_quietly(run, source, FAILED, f"{error}; every output already written is whole")
        raise
    finally:
        run.pool.shutdown(wait=True)
    return DetectRunResult(FINISHED, "", run.summary(source, FINISHED, ""))


def _start(request: RemoteDetect, run: _Run) -> batch_pb2.DetectStreamStart:
    # after the first stream the version is pinned: a reconnect runs the same detector even if another was promoted
    model = run.ready.model if run.ready is not None else request.model
    return batch_pb2.DetectStreamStart(
        model=model,
        conf=request.conf,
        iou=request.iou,
        max_det=request.max_det,
        require_provider=request.require_provider,
    )


def _stream_until_done(
    connection: DetectConnection, request: RemoteDetect, run: _Run, retry: Callable[[BaseException], bool]
) -> None:
    while True:
        try:
            _stream(connection, request, run)
            return
        except (KeyboardInterrupt, DiskFull, _Stopped):
            raise
        except Exception as error:
            if run.stop.is_set():
                raise _Stopped from None
            if not retry(error):
                if run.stop.is_set():  # stopped while waiting to stream again
                    raise _Stopped from None
                raise
            left = len(run.work.todo) - len(run.recorded)
            run.on_log(f"the stream broke ({error}); streaming again: {left} image(s) to go", "warning")


def _stream(connection: DetectConnection, request: RemoteDetect, run: _Run) -> None:
    responses = connection.detect_stream(_start(request, run), run.images(), in_flight=IN_FLIGHT, stop=run.stop)
    try:
        for response in responses:
            if run.stop.is_set():
                raise _Stopped  # what is still in flight is dropped: the next run detects it
            kind = response.WhichOneof("message")
            if kind == "ready":
                run.on_ready(response.ready)
            elif kind == "result":
                run.on_result(response.result)
            elif kind == "done":
                return
        if run.stop.is_set():
            raise _Stopped  # the call was cancelled: the iteration ended quietly
        raise Unavailable(ENDED_EARLY)
    finally:
        close = getattr(responses, "close", None)
        if close is not None:
            close()  # cancels the call if it is still open (stop, Ctrl+C, disk full)


def _wait_quietly(run: _Run) -> None:
    """Let the writes under way finish (each output whole); a failing one is already reported."""
    for write in run.writes:
        try:
            write.result()
        except Exception:  # noqa: BLE001 - the run is ending with another reason
            pass


def _summary_quietly(run: _Run, source: Path, state: str, message: str) -> dict[str, Any]:
    try:
        return run.summary(source, state, message)
    except OSError:
        return {}
