"""The app's link to one backend: connecting (or starting an embedded backend), the live jobs stream,
and running RPCs off the UI thread. Views get a ``Session`` and draw its view-models.

Every stream gets its own channel, and stopping a stream closes that channel: a gRPC stream blocked in a
worker thread cannot be interrupted any other way without reaching into the client's internals.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc
from PySide6.QtCore import QObject, Signal

from desktop.client import BackendError, BackendTarget, Connection
from desktop.client.embedded import EmbeddedBackend
from desktop.client.retry import Reconnect
from desktop.models import ConnectionModel, JobsModel
from desktop.qt.workers import ErrorCallback, ResultCallback, StreamWorker, Task, TaskRunner
from protos.omni.v1 import jobs_pb2, system_pb2

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_TIMEOUT_S = 10.0
JOBS_SNAPSHOT_LIMIT = 500
#: the jobs stream comes back after anything but a refusal of the token's role, for as long as the app runs
JOBS_STREAM_RECONNECTS = frozenset(code.name for code in grpc.StatusCode) - {"PERMISSION_DENIED"}


@dataclass(frozen=True)
class _StreamOpened:
    """The jobs stream is (re)opening: a fresh snapshot follows."""


@dataclass(frozen=True)
class _StreamLost:
    error: BackendError


@dataclass(frozen=True)
class _Connected:
    connection: Connection
    info: system_pb2.SystemInfo
    backend: EmbeddedBackend | None


def watch_jobs_forever(connection: Connection, should_stop: Callable[[], bool]) -> Iterator[object]:
    """``WatchJobs`` updates, reopening the stream when it drops, with markers when it (re)opens or drops."""
    reconnect = Reconnect(patience_s=math.inf, codes=JOBS_STREAM_RECONNECTS, should_stop=should_stop)
    while not should_stop():
        yield _StreamOpened()
        try:
            for update in connection.watch_jobs(limit=JOBS_SNAPSHOT_LIMIT):
                reconnect.progressed()
                yield update
            if should_stop():
                return
            raise BackendError("UNAVAILABLE", f"the backend at {connection.target.address} closed the jobs stream")
        except BackendError as error:
            if should_stop() or error.code == "PERMISSION_DENIED":  # jobs are not this token's (an annotator)
                return
            yield _StreamLost(error)
            if not reconnect.again(error):
                return


class Session(QObject):
    """Owns the Connection, the embedded backend (if we started one) and the background work."""

    message = Signal(str)  # something to tell the user in passing (status bar)
    show_requested = Signal(str, str)  # (view name, item key): a view asks the window to show another's item
    remote_changed = Signal()  # the workspace's remote was saved or removed: lists with locations refresh

    def __init__(
        self,
        workspace: Path | None = None,
        *,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.connect_timeout_s = connect_timeout_s
        self.connection_model = ConnectionModel()
        self.jobs = JobsModel()
        self.connection: Connection | None = None
        self.backend: EmbeddedBackend | None = None  # the embedded backend, once started
        self.runner = TaskRunner()
        self._attempt = 0
        self._closing = False
        self._jobs_stream: StreamWorker | None = None
        self._streams: set[StreamWorker] = set()

    # -- connecting -----------------------------------------------------------------------------------

    def connect_to(self, target: BackendTarget) -> None:
        """Connect to the backend at ``target`` in the background; the connection model shows how it goes."""
        attempt = self._next_attempt()
        self.connection_model.set_connecting(target, f"Connecting to {target.address}…")

        def work() -> _Connected:
            connection, info = self._open(target, self.connect_timeout_s)
            return _Connected(connection, info, None)

        self.runner.run(
            work,
            owner=self,
            on_result=lambda r: self._adopt(attempt, r),
            on_error=lambda e: self._fail(attempt, e),
        )

    def start_embedded(self) -> None:
        """Start (or reuse) a backend on this machine, then connect to it."""
        attempt = self._next_attempt()
        self.connection_model.set_connecting(None, "Starting backend…", embedded=True)
        backend = self.backend

        def work() -> _Connected:
            running = backend if backend is not None and self._alive(backend) else None
            started = running or EmbeddedBackend.start(self.workspace)
            if self._closing:
                started.stop()
                raise BackendError("CANCELLED", "the app is closing")
            connection, info = self._open(started.target, self.connect_timeout_s)
            return _Connected(connection, info, started)

        self.runner.run(
            work,
            owner=self,
            on_result=lambda r: self._adopt(attempt, r),
            on_error=lambda e: self._fail(attempt, e),
        )

    @staticmethod
    def _alive(backend: EmbeddedBackend) -> bool:
        return backend.process is None or backend.process.poll() is None

    @staticmethod
    def _open(target: BackendTarget, timeout_s: float) -> tuple[Connection, system_pb2.SystemInfo]:
        connection = Connection(target)
        try:
            connection.wait_ready(timeout_s)
            return connection, connection.system_info()
        except BaseException:
            connection.close()
            raise

    def _next_attempt(self) -> int:
        self._attempt += 1
        return self._attempt

    def _adopt(self, attempt: int, result: _Connected) -> None:
        if result.backend is not None and result.backend is not self.backend:
            if self.backend is not None and self.backend.owned:
                self.runner.run(self.backend.stop)  # a second embedded backend replaces the first
            self.backend = result.backend
        if attempt != self._attempt or self._closing:  # a newer attempt (or closing) made this one moot
            result.connection.close()
            return
        previous = self.connection
        self._stop_jobs_stream()
        if previous is not None:
            previous.close()
        if previous is None or previous.target.address != result.connection.target.address:
            self.jobs.clear()
        self.connection = result.connection
        self.connection_model.set_connected(result.connection.target, result.info)
        self._start_jobs_stream()

    def _fail(self, attempt: int, error: BaseException) -> None:
        if attempt == self._attempt and not self._closing:
            self.connection_model.set_error(str(error) or type(error).__name__)

    # -- the jobs stream ------------------------------------------------------------------------------

    def _start_jobs_stream(self) -> None:
        self._jobs_stream = self.open_stream(watch_jobs_forever, name="jobs", on_items=self._on_jobs_items)

    def _stop_jobs_stream(self) -> None:
        if self._jobs_stream is not None:
            self._jobs_stream.stop(wait_s=0)
            self._jobs_stream = None

    def _on_jobs_items(self, items: list[object]) -> None:
        for item in items:
            if isinstance(item, jobs_pb2.JobUpdate):
                self.connection_model.set_restored()
                self.jobs.apply_update(item)
            elif isinstance(item, _StreamOpened):
                self.jobs.begin_snapshot()
            elif isinstance(item, _StreamLost):
                self.connection_model.set_error(f"connection lost ({item.error}); reconnecting…")

    # -- background work for views --------------------------------------------------------------------

    def run(
        self,
        call: Callable[[Connection], T],
        *,
        owner: QObject | None = None,
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> Task | None:
        """Run ``call(connection)`` on a worker thread; callbacks run on the UI thread.

        Without a connection, ``on_error`` gets a BackendError at once and None is returned.
        """
        connection = self.connection
        if connection is None:
            error = BackendError("UNAVAILABLE", "not connected to a backend")
            if on_error is not None:
                on_error(error)
            else:
                self.message.emit(str(error))
            return None
        return self.runner.run(lambda: call(connection), owner=owner, on_result=on_result, on_error=on_error)

    def open_stream(
        self,
        make: Callable[[Connection, Callable[[], bool]], Iterable[Any]],
        *,
        name: str,
        on_items: Callable[[list[Any]], object],
        on_finished: Callable[[BaseException | None], object] | None = None,
    ) -> StreamWorker | None:
        """Drain ``make(connection, should_stop)`` on its own channel; None when not connected."""
        if self.connection is None or self._closing:
            return None
        connection = Connection(self.connection.target)
        worker = StreamWorker(lambda should_stop: make(connection, should_stop), cancel=connection.close, name=name)
        worker.items.connect(on_items)

        def finished(error: BaseException | None) -> None:
            self._streams.discard(worker)
            connection.close()
            if on_finished is not None:
                on_finished(error)

        worker.finished.connect(finished)
        self._streams.add(worker)
        return worker.start()

    def notify(self, text: str) -> None:
        self.message.emit(text)

    def request_show(self, view: str, key: str) -> None:
        """Ask the window to switch to ``view`` and show ``key`` there (a report id, a model version)."""
        self.show_requested.emit(view, key)

    # -- closing --------------------------------------------------------------------------------------

    def shutdown(self, *, stop_backend: bool = True, wait_s: float = 5.0) -> None:
        """Stop every stream and task, and the embedded backend if we started it; blocks up to ~``wait_s``."""
        if self._closing:
            return
        self._closing = True
        self._attempt += 1
        self._jobs_stream = None
        streams = list(self._streams)
        for worker in streams:
            worker.stop(wait_s=0)  # closes each stream's channel: the threads end at once
        if self.connection is not None:
            self.connection.close()  # unary calls in flight fail fast instead of running to their deadline
        if not self.runner.shutdown(int(wait_s * 1000)):
            log.warning("background calls still running at exit")
        for worker in streams:
            if not worker.stop(wait_s=1.0):
                log.warning("a stream thread did not end in time")
        if stop_backend and self.backend is not None and self.backend.owned:
            self.backend.stop()
