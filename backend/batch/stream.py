"""The server's side of a streamed batch: one worker process per stream, fed over a pipe.

The worker does all the image work (``backend.batch.stream_worker``); this side only moves bytes, so the
server never imports ONNX Runtime. Back-pressure is end to end: a busy worker stops reading its pipe, the
feeding thread blocks on it, stops reading the gRPC stream, and HTTP/2 flow control slows the client.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from backend.batch.precision import PrecisionFiles
from backend.batch.stream_worker import stream_worker_main
from omni_core.batch.outcome import Outcome
from omni_core.batch.params import RestoreOptions
from omni_core.errors import OmniError

_SPAWN = multiprocessing.get_context("spawn")
START_TIMEOUT_S = 120.0  # a TensorRT engine build on first use takes a while
EVENTS_QUEUED = 8  # results waiting for a slow client, at most
WAIT_S = 0.1


def _error(status: str, message: str) -> OmniError:
    error = OmniError(message)
    error.status = status
    return error


class WorkerStream:
    """One worker process fed over a pipe, for one streaming call. Start with ``start()``; ``_send()`` images
    from one thread while another iterates ``events()``. ``StreamSession`` (restore) and
    ``backend.detection.stream.DetectSession`` are its two kinds."""

    def __init__(self, target: Callable[..., None], kwargs: dict[str, Any], *, name: str, label: str) -> None:
        self.label = label  # "restore", "detection": what error messages call the worker
        worker_inbox, self._inbox = _SPAWN.Pipe(duplex=False)
        self._outbox, worker_outbox = _SPAWN.Pipe(duplex=False)
        self._process: BaseProcess = _SPAWN.Process(
            target=target,
            name=name,
            kwargs={**kwargs, "parent_pid": os.getpid(), "inbox": worker_inbox, "outbox": worker_outbox},
            daemon=True,
        )
        self._process.start()
        worker_inbox.close()
        worker_outbox.close()
        self._send_lock = threading.Lock()
        self._events: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=EVENTS_QUEUED)
        self._closed = threading.Event()
        self._close_lock = threading.Lock()
        self._pump_thread: threading.Thread | None = None

    def start(self) -> dict[str, Any]:
        """Wait for the worker's session; its provider and warnings, or the error (e.g. a required GPU)."""
        if not self._outbox.poll(START_TIMEOUT_S):
            raise _error("DEADLINE_EXCEEDED", f"the {self.label} worker did not start in time")
        message = self._receive()
        if message[0] == "error":
            raise _error(message[1], message[2])
        self._pump_thread = threading.Thread(target=self._pump, name=f"{self.label}-stream-pump", daemon=True)
        self._pump_thread.start()
        return message[1]  # type: ignore[no-any-return]

    def _receive(self) -> tuple[Any, ...]:
        try:
            return self._outbox.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError):
            self._process.join(timeout=2)
            code = self._process.exitcode
            # UNAVAILABLE, not INTERNAL: nothing the client sent is at fault, and a new stream may well succeed
            return ("error", "UNAVAILABLE", f"the {self.label} worker stopped unexpectedly (exit code {code})")

    def _pump(self) -> None:
        try:
            while True:
                message = self._receive()
                if not self._put(message) or message[0] in ("done", "error"):
                    return
        finally:
            self._outbox.close()

    def _put(self, message: tuple[Any, ...]) -> bool:
        """Queue a message for ``events()``; a full queue (a client slow to read) holds the worker back."""
        while not self._closed.is_set():
            try:
                self._events.put(message, timeout=WAIT_S)
                return True
            except queue.Full:
                continue
        return False

    # -- in -------------------------------------------------------------------------------------------

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            if not self._closed.is_set():
                self._inbox.send(message)

    def _answer(self, message: tuple[Any, ...]) -> None:
        """Queue a result the worker never made (an image refused before it got there)."""
        self._put(message)

    def end(self) -> None:
        with self._send_lock:
            if not self._closed.is_set():
                self._inbox.send(("end",))

    # -- out ------------------------------------------------------------------------------------------

    def events(self) -> Iterator[tuple[Any, ...]]:
        """``("result", outcome, data)`` ... then ``("done", counts)``; raises the worker's error."""
        while True:
            try:
                message = self._events.get(timeout=WAIT_S)
            except queue.Empty:
                if self._closed.is_set():
                    return  # the call is over (cancelled): nothing more will come
                continue
            if message[0] == "error":
                raise _error(message[1], message[2])
            yield message
            if message[0] == "done":
                return

    def close(self) -> None:
        """Stop the worker (the call ended or was cancelled); nothing is kept. A thread blocked in
        ``send`` gets BrokenPipeError once the worker is gone; the pump sees EOF and closes its end."""
        with self._close_lock:  # the call's callback and the handler's ``finally`` both close
            if self._closed.is_set():
                return
            self._closed.set()
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)
        with self._send_lock:  # a send in progress fails (the worker is gone) before its pipe is closed
            self._inbox.close()
        if self._pump_thread is None:
            self._outbox.close()


class StreamSession(WorkerStream):
    """The worker of one ``Batch.RestoreStream`` call (``backend.batch.stream_worker``)."""

    def __init__(self, files: PrecisionFiles, options: RestoreOptions, cache_dir: Path) -> None:
        self.options = options
        kwargs = {
            "onnx_paths": {precision: str(path) for precision, path in files.paths.items()},
            "precisions": files.card,
            "options": asdict(options),
            "cache_dir": str(cache_dir),
        }
        super().__init__(stream_worker_main, kwargs, name="omni-restore-stream", label="restore")

    def send(self, key: str, data: bytes, reference: bytes | None) -> None:
        self._send(("image", key, data, reference))

    def reject(self, key: str, reason: str) -> None:
        """Answer an image the worker never sees (a bad id, too large) with a failed result."""
        self._answer(("result", asdict(Outcome(key, "", False, reason)), None))
