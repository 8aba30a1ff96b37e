"""A streamed restore run in this process: ``omni_core.batch.remote.restore_remote`` on a worker thread.

The images are read here, streamed to the backend and the results written here, by the same code the CLI's
``omni restore --remote`` runs (no child process: a bundled desktop has no Python to start one). The run gets
its own channel; what it hears (progress, item outcomes, the ready message, log lines, "reconnecting") comes back
typed, as signals on the UI thread, the way ``desktop.qt.workers`` hops threads: the worker emits a private signal
connected queued to a slot of this object, which lives on the UI thread.

``stop()`` sets the run's stop event: the stream is cancelled at once (only whole outputs are left, the summary
says "stopped") and ``ended`` follows. A broken stream is streamed again under ``Reconnect``'s policy. Deleting
this object (with its view) stops the run and waits for it, delivering nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal, Slot

from desktop.client import BackendError, BackendTarget, Connection
from desktop.client.retry import Reconnect
from omni_core.batch.remote import ProgressView, RemoteRestore, restore_remote
from omni_core.batch.summary import BatchSummary
from omni_core.errors import OmniError
from protos.omni.v1 import batch_pb2, jobs_pb2

log = logging.getLogger(__name__)

#: how long closing the view waits for a stopped run to write its summary
STOP_WAIT_S = 15.0


@dataclass(frozen=True)
class _Log:
    message: str
    level: str


@dataclass(frozen=True)
class _Reconnecting:
    error: BackendError


@dataclass(frozen=True)
class _Ended:
    summary: BatchSummary | None
    error: BaseException | None


class _Thread:
    """The run's thread and stop event, reachable from a ``destroyed`` handler (which must not touch the QObject)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def stop_and_wait(self, wait_s: float) -> bool:
        self.stop.set()
        thread = self.thread
        if thread is None or threading.current_thread() is thread:
            return True
        thread.join(wait_s)
        return not thread.is_alive()


class RemoteRestoreRun(QObject):
    """One streamed run: ``start()`` once, ``stop()`` to end it early; ``ended`` comes exactly once."""

    progress = Signal(object)  # ProgressView
    item = Signal(object)  # jobs_pb2.ItemOutcome
    ready = Signal(object)  # batch_pb2.RestoreStreamReady: the model, provider and precision that run
    log_line = Signal(str, str)  # message, level ("info" | "warning")
    reconnecting = Signal(object)  # BackendError: the stream broke, a new one is on its way
    ended = Signal(object, object)  # BatchSummary | None, BaseException | None (the run raised it)
    _event = Signal(object)  # from the worker thread

    def __init__(self, target: BackendTarget, request: RemoteRestore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.target, self.request = target, request
        self._worker = worker = _Thread()
        self._event.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.destroyed.connect(lambda *_: worker.stop_and_wait(STOP_WAIT_S))

    @property
    def running(self) -> bool:
        thread = self._worker.thread
        return thread is not None and thread.is_alive()

    @property
    def stopping(self) -> bool:
        return self._worker.stop.is_set()

    def start(self) -> RemoteRestoreRun:
        if self._worker.thread is not None:
            raise RuntimeError("a run starts once")
        self._worker.thread = threading.Thread(target=self._run, name="omni-remote-restore", daemon=True)
        self._worker.thread.start()
        return self

    def stop(self, wait_s: float = 0.0) -> bool:
        """Stop the run (the stream is cancelled at once); wait up to ``wait_s`` for it; True if it has ended."""
        return self._worker.stop_and_wait(wait_s)

    # -- the worker thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        stop = self._worker.stop
        reconnect = Reconnect(on_wait=lambda error, delay: self._send(_Reconnecting(error)), should_stop=stop.is_set)

        def progress(view: ProgressView) -> None:
            reconnect.progressed()
            self._send(view)

        summary: BatchSummary | None = None
        error: BaseException | None = None
        try:
            with Connection(self.target) as connection:
                summary = restore_remote(
                    connection,
                    self.request,
                    on_progress=progress,
                    on_log=lambda message, level: self._send(_Log(message, level)),
                    on_item=self._send,
                    on_ready=self._send,
                    retry=reconnect.again,
                    stop=stop,
                )
        except (OmniError, BackendError, OSError) as caught:
            error = caught
        except Exception as caught:
            log.exception("the streamed restore failed")
            error = caught
        self._send(_Ended(summary, error))

    def _send(self, event: object) -> None:
        try:
            self._event.emit(event)
        except RuntimeError:  # this object is gone: nobody listens, the run stops
            self._worker.stop.set()

    # -- the UI thread --------------------------------------------------------------------------------

    @Slot(object)
    def _deliver(self, event: object) -> None:
        if isinstance(event, ProgressView):
            self.progress.emit(event)
        elif isinstance(event, jobs_pb2.ItemOutcome):
            self.item.emit(event)
        elif isinstance(event, batch_pb2.RestoreStreamReady):
            self.ready.emit(event)
        elif isinstance(event, _Log):
            self.log_line.emit(event.message, event.level)
        elif isinstance(event, _Reconnecting):
            self.reconnecting.emit(event.error)
        elif isinstance(event, _Ended):
            self.ended.emit(event.summary, event.error)
