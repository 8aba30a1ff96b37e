"""The three overlapping stages of a batch: decode (a thread pool), inference (the calling thread, which
batches small images of one size, and one more thread per extra stream the restorer runs at once) and encode +
write (threads), joined by bounded queues. With several inference loops, images finish out of input order.

Memory is bounded twice: by the queues (a few images per stage) and by a budget of pixels in flight,
taken in input order before an image is decoded and given back once it is written, so one giant scan
waits for the stages to empty rather than arriving next to others. Sources are files (a run on the
backend) or bytes (a remote stream); the sink stores the encoded output wherever it belongs. A multi-page TIFF
is one item: its pages are restored one after another and written as one TIFF (the budget counts them all).

A full disk (``DiskFull`` from the sink) stops the whole run: nothing more is written and the error is
raised to the caller. Any other problem fails only its image, with a reason.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from backend.batch.codec import Decoded, decode, encode
from backend.inference.restorer import Restored, Restorer, RestoreStopped, RetryWithFreshInput
from omni_core.batch.formats import output_format
from omni_core.batch.outcome import Outcome
from omni_core.batch.output import DiskFull
from omni_core.batch.probe import Source, UnreadableImage, pixel_count

WAIT_S = 0.1


@dataclass(frozen=True)
class Task:
    key: str  # the input's path under IN (POSIX); its id in a stream
    source: Source
    output: str  # the output's path under OUT; its extension decides the format
    reference: Source | None = None


#: writes an encoded output into a file object
Writer = Callable[[BinaryIO], object]
#: stores the output ``Writer`` produces (a file, bytes for a message); returns its size and where it can
#: be read back (for the reference metrics)
Sink = Callable[[Task, Writer], tuple[int, Source]]
EMPTY = np.empty((0, 0, 1), np.uint8)
#: a run short of memory re-reads an image for each smaller tile: 512 -> 256 -> 128 -> 64 at most
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class PipelineSettings:
    quality: int = 95
    decode_threads: int = 2
    encode_threads: int = 2
    queue_size: int = 4
    pixel_budget: int = 64_000_000


class PixelBudget:
    """At most ``limit`` pixels in flight; an image larger than that is let in alone."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._cond = threading.Condition()

    def acquire(self, pixels: int, stop: threading.Event) -> bool:
        with self._cond:
            while self.used > 0 and self.used + pixels > self.limit:
                if stop.is_set():
                    return False
                self._cond.wait(WAIT_S)
            self.used += pixels
            return True

    def release(self, pixels: int) -> None:
        with self._cond:
            self.used -= pixels
            self._cond.notify_all()


@dataclass
class _Pending:
    task: Task
    pixels: int
    future: Future[Decoded | str]


@dataclass
class _Restored:
    task: Task
    pixels: int
    decoded: Decoded
    result: Restored
    seconds: float
    pages: list[Restored] = field(default_factory=list)  # a multi-page TIFF's further pages, in order


_END = object()


def _decode(task: Task) -> Decoded | str:
    try:
        return decode(task.source)
    except UnreadableImage as error:
        return error.reason
    except MemoryError:
        return "too large to decode in the memory available"
    except Exception as error:  # noqa: BLE001 - a malformed file can trip any decoder; it fails alone
        return f"unreadable: {type(error).__name__}: {error}"


class Pipeline:
    def __init__(
        self,
        restorer: Restorer,
        *,
        sink: Sink,
        report: Callable[[Outcome], None],
        should_stop: Callable[[], bool] = lambda: False,
        settings: PipelineSettings | None = None,
    ) -> None:
        self.restorer = restorer
        self.sink = sink
        self.settings = settings or PipelineSettings()
        self.should_stop = should_stop
        self._report_lock = threading.Lock()
        self._user_report = report
        self._stop = threading.Event()
        self._fatal: list[BaseException] = []
        self._budget = PixelBudget(self.settings.pixel_budget)

    # -- plumbing ------------------------------------------------------------------------------------

    def _report(self, outcome: Outcome) -> None:
        with self._report_lock:
            self._user_report(outcome)

    def _fail(self, task: Task, reason: str, **values: Any) -> None:
        self._report(Outcome(task.key, task.output, False, reason, **values))

    def _put(self, target: queue.Queue[Any], item: Any) -> bool:
        while not self._stop.is_set():
            try:
                target.put(item, timeout=WAIT_S)
                return True
            except queue.Full:
                continue
        return False

    # -- the stages ----------------------------------------------------------------------------------

    def run(self, tasks: Iterable[Task]) -> None:
        """Restore every task; returns when all are reported (or the run stopped). Raises DiskFull."""
        s = self.settings
        decoded: queue.Queue[Any] = queue.Queue(maxsize=s.queue_size)
        encoded: queue.Queue[Any] = queue.Queue(maxsize=s.queue_size)
        with ThreadPoolExecutor(s.decode_threads, thread_name_prefix="decode") as pool:
            feeder = threading.Thread(target=self._feed, args=(tasks, pool, decoded), name="feed", daemon=True)
            writers = [
                threading.Thread(target=self._write_loop, args=(encoded,), name=f"encode-{n}", daemon=True)
                for n in range(s.encode_threads)
            ]
            # one inference loop per network call the restorer runs at once, so whole images that fit one
            # tile keep every stream busy too (a big image's tiles are spread over the streams by the restorer)
            helpers = [
                threading.Thread(target=self._helper_loop, args=(decoded, encoded), name=f"infer-{n}", daemon=True)
                for n in range(1, self.restorer.streams)
            ]
            feeder.start()
            for thread in (*writers, *helpers):
                thread.start()
            try:
                self._infer_loop(decoded, encoded)
            except BaseException:
                self._stop.set()  # the other inference loops stop too
                raise
            finally:
                for helper in helpers:
                    helper.join()
                for _ in writers:
                    encoded.put(_END)
                for writer in writers:
                    writer.join()
                self._stop.set()  # a feeder still blocked on the queue or the budget gives up
                feeder.join()
        if self._fatal:
            raise self._fatal[0]

    def _feed(self, tasks: Iterable[Task], pool: ThreadPoolExecutor, decoded: queue.Queue[Any]) -> None:
        try:
            for task in tasks:
                if self._stop.is_set() or self.should_stop():
                    break
                try:
                    pixels = pixel_count(task.source)
                except UnreadableImage as error:
                    self._fail(task, error.reason)
                    continue
                except Exception as error:  # noqa: BLE001 - as in _decode
                    self._fail(task, f"unreadable: {type(error).__name__}: {error}")
                    continue
                if not self._budget.acquire(pixels, self._stop):
                    break
                if not self._put(decoded, _Pending(task, pixels, pool.submit(_decode, task))):
                    self._budget.release(pixels)
                    break
        except BaseException as error:  # noqa: BLE001 - the task source itself failed: stop, and say why
            self._abort(error)
        finally:
            self._put_end(decoded)

    def _abort(self, error: BaseException) -> None:
        self._fatal.append(error)
        self._stop.set()

    def _put_end(self, decoded: queue.Queue[Any]) -> None:
        while True:
            try:
                decoded.put(_END, timeout=WAIT_S)
                return
            except queue.Full:
                if self._stop.is_set():
                    return

    def _next(self, decoded: queue.Queue[Any]) -> Any:
        while True:
            try:
                return decoded.get(timeout=WAIT_S)
            except queue.Empty:
                if self._stop.is_set():
                    return _END

    def _helper_loop(self, decoded: queue.Queue[Any], encoded: queue.Queue[Any]) -> None:
        try:
            self._infer_loop(decoded, encoded)
        except BaseException as error:  # noqa: BLE001 - raised by the run, as the calling thread's would be
            self._abort(error)

    def _infer_loop(self, decoded: queue.Queue[Any], encoded: queue.Queue[Any]) -> None:
        carry: Any = None
        while True:
            item = carry if carry is not None else self._next(decoded)
            carry = None
            if item is _END:
                self._put_end(decoded)  # the other inference loops see the end too
                return
            if self.should_stop():
                self._stop.set()
                self._budget.release(item.pixels)
                return
            first = item.future.result()
            if problem := first if isinstance(first, str) else _unwritable_pages(first, item.task):
                self._fail(item.task, problem)
                self._budget.release(item.pixels)
                continue
            assert isinstance(first, Decoded)
            group = [(item, first)]
            height, width = first.pixels.shape[:2]
            if not first.pages and self.restorer.fits_one_tile(height, width):
                while len(group) < self.restorer.batch_limit(height, width):
                    try:
                        following = decoded.get_nowait()
                    except queue.Empty:
                        break
                    other = following.future.result() if following is not _END and following.future.done() else None
                    if not isinstance(other, Decoded) or other.pages or other.pixels.shape != first.pixels.shape:
                        carry = following
                        break
                    if other.pixels.dtype != first.pixels.dtype:
                        carry = following
                        break
                    group.append((following, other))
            if not self._restore_group(group, encoded):
                return

    def _restore_group(self, group: list[tuple[_Pending, Decoded]], encoded: queue.Queue[Any]) -> bool:
        started = time.perf_counter()
        pages: list[Restored] = []
        try:
            if len(group) == 1:
                pending, decoded = group[0]
                results = [self._restore_one(pending, decoded)]
                pages = [self._restore_one(pending, page, number) for number, page in enumerate(decoded.pages, 1)]
            else:
                results = self.restorer.restore_batch([decoded.pixels for _, decoded in group])
        except RestoreStopped:
            self._stop.set()
            for pending, _ in group:
                self._budget.release(pending.pixels)
            return False
        except Exception as error:  # noqa: BLE001 - one image the network cannot take fails alone
            for pending, _ in group:
                self._fail(pending.task, f"restoration failed: {type(error).__name__}: {error}")
                self._budget.release(pending.pixels)
            return True
        seconds = (time.perf_counter() - started) / len(group)
        for (pending, decoded), result in zip(group, results, strict=True):
            decoded.pixels = EMPTY  # the input's pixels are not needed any more
            if not self._put(encoded, _Restored(pending.task, pending.pixels, decoded, result, seconds, pages)):
                self._budget.release(pending.pixels)
        return True

    def _restore_one(self, pending: _Pending, decoded: Decoded, page: int = 0) -> Restored:
        """In place (one image in memory, not two); an out-of-memory error re-reads the file. ``page`` > 0:
        ``decoded`` is that page of a multi-page TIFF, and its notes say so."""
        notes: list[str] = []
        for _ in range(MAX_ATTEMPTS):
            try:
                result = self.restorer.restore(decoded.pixels, self.should_stop, in_place=True)
                result.notes[:0] = notes
                if page:
                    result.notes = [f"page {page + 1}: {note}" for note in result.notes]
                    decoded.pixels = EMPTY
                return result
            except RetryWithFreshInput as retry:
                notes.extend(retry.notes)
                decoded.pixels = EMPTY
                fresh = _decode(pending.task)
                if isinstance(fresh, str):
                    raise RuntimeError(f"the image could not be read again: {fresh}") from None
                decoded.pixels = [fresh, *fresh.pages][page].pixels
        raise MemoryError("; ".join(notes))

    def _write_loop(self, encoded: queue.Queue[Any]) -> None:
        while True:
            item = encoded.get()
            if item is _END:
                return
            try:
                if not self._fatal:
                    self._write(item)
            except BaseException as error:  # noqa: BLE001 - the report callback failed: stop, and say why
                self._abort(error)
            finally:
                self._budget.release(item.pixels)

    def _write(self, item: _Restored) -> None:
        task, decoded, result = item.task, item.decoded, item.result
        width, height = decoded.size
        plan = result.plan.describe() if result.plan is not None else "whole"
        values: dict[str, Any] = {
            "width": width,
            "height": height,
            "seconds": item.seconds,
            "tile": result.tile,
            "plan": plan,
            "pages": decoded.page_count,
            "pixels": decoded.pixel_count,
        }
        target, pixels = output_format(task.output), [result.pixels]
        pages = [page.pixels for page in item.pages]
        page_notes = [note for page in item.pages for note in page.notes]
        item.result = Restored(EMPTY, result.tile, result.tiles, result.notes, result.plan)  # the encoder owns them now
        item.pages = []
        notes: list[str] = []

        def write(handle: BinaryIO) -> None:
            notes.extend(encode(decoded, pixels.pop(), target, self.settings.quality, handle, pages))
            pages.clear()

        try:
            size, stored = self.sink(task, write)
        except DiskFull as error:
            self._abort(error)
            return
        except Exception as error:  # noqa: BLE001 - a write that fails for one file fails that file only
            self._fail(task, f"could not write {task.output}: {type(error).__name__}: {error}", **values)
            return
        notes[:0] = [*result.notes, *page_notes]
        outcome = Outcome(task.key, task.output, True, notes=notes, size_bytes=size, **values)
        if task.reference is not None:
            self._measure(outcome, task, stored)
        self._report(outcome)

    @staticmethod
    def _measure(outcome: Outcome, task: Task, data: Source) -> None:
        from backend.batch.quality import compare

        assert task.reference is not None
        try:
            measured = compare(task.source, data, task.reference)
        except Exception as error:  # noqa: BLE001 - a bad reference costs its metrics, not the output
            measured = f"reference unreadable: {type(error).__name__}: {error}"
        if isinstance(measured, str):
            outcome.metrics_problem = measured
        else:
            outcome.metrics = measured


def _unwritable_pages(decoded: Decoded, task: Task) -> str:
    """Why a multi-page TIFF cannot be written as the task's output ("" when it can, or is one page)."""
    target = output_format(task.output)
    if not decoded.pages or target == "TIFF":
        return ""
    return (
        f"a TIFF of {decoded.page_count} pages cannot be written as {target}, which holds one image a file: "
        "keep the format (--format same) to restore every page"
    )


def file_sink(out_root: Path, check_folder: Callable[[Path], object] = lambda folder: None) -> Sink:
    """Write each output atomically under ``out_root``, encoding straight into the temporary file.
    ``check_folder`` sees each output's folder first and raises if it may not be written (a confined
    backend's output folder that became a link out of the workspace)."""
    from omni_core.batch.output import write_atomic

    def store(task: Task, write: Writer) -> tuple[int, Source]:
        target = out_root / task.output
        check_folder(target.parent)
        return write_atomic(target, write), target

    return store


def bytes_sink(outputs: dict[str, bytes]) -> Sink:
    """Keep each output's bytes in ``outputs`` by task key (a stream sends them on)."""
    import io

    def store(task: Task, write: Writer) -> tuple[int, Source]:
        buffer = io.BytesIO()
        write(buffer)
        data = outputs[task.key] = buffer.getvalue()
        return len(data), data

    return store
