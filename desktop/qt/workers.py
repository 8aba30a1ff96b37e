"""Background work that reports back on the UI thread.

``TaskRunner.run(fn)`` runs one callable on a thread pool and delivers its result or exception to
callbacks on the UI thread. ``StreamWorker`` drains an iterator (a gRPC stream) in its own thread and
delivers the items in batches on the UI thread; ``stop()`` ends it promptly by calling the stream's
``cancel`` (e.g. closing the stream's channel) as well as setting the flag its ``should_stop`` reads.

Both hop threads the same way: the worker emits a private signal of a QObject that lives on the UI
thread, connected to that object's own slot with a queued connection, so the slot runs on the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

ResultCallback = Callable[[Any], object]
ErrorCallback = Callable[[BaseException], object]


class Task(QObject):
    """One call on the pool. Parented to an owner: if the owner is deleted first, nothing is delivered."""

    succeeded = Signal(object)
    failed = Signal(object)
    _done = Signal(object, object)  # (result, error), emitted from the pool thread

    def __init__(self, fn: Callable[[], Any], parent: QObject | None, release: Callable[[Task], None]) -> None:
        super().__init__(parent)
        self._fn = fn
        self._release = release  # drops the runner's reference once delivered
        self.cancelled = False
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def cancel(self) -> None:
        """Do not deliver the result (the call itself runs to its end or its deadline)."""
        self.cancelled = True

    def run(self) -> None:  # on a pool thread
        result: Any = None
        error: BaseException | None = None
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001 - delivered to the UI thread, which decides
            error = exc
        try:
            self._done.emit(result, error)
        except RuntimeError:  # the owner (and so this object) was deleted meanwhile
            self._release(self)

    @Slot(object, object)
    def _deliver(self, result: Any, error: BaseException | None) -> None:
        if not self.cancelled:
            if error is None:
                self.succeeded.emit(result)
            else:
                self.failed.emit(error)
        self._release(self)
        self.deleteLater()


class TaskRunner:
    """A small pool of threads for blocking calls (RPCs with deadlines, starting a backend)."""

    def __init__(self, max_threads: int = 8) -> None:
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(max_threads)
        self._closed = False
        self._live: set[Task] = set()  # a parentless Task must outlive its queued delivery
        self._lock = threading.Lock()

    def run(
        self,
        fn: Callable[[], Any],
        *,
        owner: QObject | None = None,
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> Task:
        task = Task(fn, owner, self._release)
        with self._lock:
            self._live.add(task)
        if on_result is not None:
            task.succeeded.connect(on_result)
        if on_error is not None:
            task.failed.connect(on_error)
        else:
            task.failed.connect(lambda error: log.error("background task failed: %s", error))
        if self._closed:
            task.cancel()
        else:
            self.pool.start(task.run)
        return task

    def _release(self, task: Task) -> None:
        with self._lock:
            self._live.discard(task)

    def shutdown(self, wait_ms: int = 5000) -> bool:
        """Start nothing new, drop what has not started, wait for the rest; True if all ended."""
        self._closed = True
        self.pool.clear()
        return self.pool.waitForDone(wait_ms)


class StreamWorker(QObject):
    """Drains ``open_stream(should_stop)`` in a thread; ``items`` gets batches of what arrived.

    The UI thread is woken once per batch, not once per item: a replay of thousands of events costs a
    few slot calls. ``finished`` fires exactly once, after the last batch: with the error if the stream
    failed, with None if it ended or was stopped.
    """

    items = Signal(list)
    finished = Signal(object)  # BaseException | None
    _wake = Signal()

    def __init__(
        self,
        open_stream: Callable[[Callable[[], bool]], Iterable[Any]],
        *,
        cancel: Callable[[], object] | None = None,
        name: str = "stream",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_stream = open_stream
        self._cancel = cancel
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pending: list[Any] = []
        self._ended = False
        self._error: BaseException | None = None
        self._finished_sent = False
        self._thread = threading.Thread(target=self._run, name=f"omni-{name}", daemon=True)
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> StreamWorker:
        self._thread.start()
        return self

    def stop(self, wait_s: float = 2.0) -> bool:
        """Stop delivering, cancel the stream, wait up to ``wait_s`` for the thread; True if it ended."""
        self._stop.set()
        if self._cancel is not None:
            try:
                self._cancel()
            except Exception as exc:  # noqa: BLE001 - cancelling is best effort
                log.debug("cancelling a stream failed: %s", exc)
        if self._thread.ident is None or threading.current_thread() is self._thread:
            return True
        self._thread.join(wait_s)
        return not self._thread.is_alive()

    def _run(self) -> None:  # on the worker thread
        try:
            for item in self._open_stream(self._stop.is_set):
                if self._stop.is_set():
                    break
                with self._lock:
                    first = not self._pending
                    self._pending.append(item)
                if first:
                    self._emit_wake()
        except Exception as exc:  # noqa: BLE001 - delivered to the UI thread
            if not self._stop.is_set():
                self._error = exc
        finally:
            with self._lock:
                self._ended = True
            self._emit_wake()

    def _emit_wake(self) -> None:
        try:
            self._wake.emit()
        except RuntimeError:  # the QObject is gone: nobody is listening any more
            self._stop.set()

    @Slot()
    def _drain(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
            ended = self._ended
        if self._stop.is_set():
            batch = []
        if batch:
            self.items.emit(batch)
        if ended and not self._finished_sent:
            self._finished_sent = True
            self.finished.emit(None if self._stop.is_set() else self._error)
