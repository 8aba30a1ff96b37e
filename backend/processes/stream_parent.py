"""The parent's side of a streaming worker (images in, results out): one child process per streaming call, fed
over its pipe. The child does all the image work; this side only moves bytes, so the server never imports ONNX
Runtime. Back-pressure is end to end: a busy child stops reading its pipe, the feeding thread blocks on it, stops
reading the gRPC stream, and HTTP/2 flow control slows the client.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from backend.processes.messages import Done, End, Failed, Image, Ready, Result
from backend.processes.spawn import STOP_WAIT_S, ChildGone, spawn

START_TIMEOUT_S = 120.0  # a TensorRT engine build on first use takes a while
EVENTS_QUEUED = 8  # results waiting for a slow client, at most
WAIT_S = 0.1


class WorkerStream:
    """One worker process fed over a pipe, for one streaming call. Start with ``start()``; ``_send()`` images
    from one thread while another iterates ``events()``. ``backend.batch.stream.StreamSession`` (restore) and
    ``backend.detection.stream.DetectSession`` are its two kinds."""

    def __init__(self, target: Callable[..., None], kwargs: dict[str, Any], *, name: str, label: str) -> None:
        self.label = label  # "restore", "detection": what error messages call the worker
        self._child = spawn(target, name=name, **kwargs)
        self._send_lock = threading.Lock()
        self._events: queue.Queue[Result | Done | Failed] = queue.Queue(maxsize=EVENTS_QUEUED)
        self._closed = threading.Event()
        self._close_lock = threading.Lock()
        self._pump_thread: threading.Thread | None = None

    def start(self) -> dict[str, Any]:
        """Wait for the worker's session; its provider and warnings, or the error (e.g. a required GPU)."""
        if not self._child.poll(START_TIMEOUT_S):
            raise Failed("DEADLINE_EXCEEDED", f"the {self.label} worker did not start in time").error()
        message = self._receive()
        if isinstance(message, Failed):
            raise message.error()
        if not isinstance(message, Ready):
            raise Failed("INTERNAL", f"the {self.label} worker began with {type(message).__name__}").error()
        self._pump_thread = threading.Thread(target=self._pump, name=f"{self.label}-stream-pump", daemon=True)
        self._pump_thread.start()
        return message.info

    def _receive(self) -> Ready | Result | Done | Failed:
        try:
            return self._child.receive()  # type: ignore[no-any-return]
        except ChildGone:
            self._child.process.join(timeout=2)
            code = self._child.process.exitcode
            # UNAVAILABLE, not INTERNAL: nothing the client sent is at fault, and a new stream may well succeed
            return Failed("UNAVAILABLE", f"the {self.label} worker stopped unexpectedly (exit code {code})")

    def _pump(self) -> None:
        while True:
            message = self._receive()
            if isinstance(message, Ready):
                continue  # only ever the first message, read by ``start``
            if not self._put(message) or isinstance(message, Done | Failed):
                return

    def _put(self, message: Result | Done | Failed) -> bool:
        """Queue a message for ``events()``; a full queue (a client slow to read) holds the worker back."""
        while not self._closed.is_set():
            try:
                self._events.put(message, timeout=WAIT_S)
                return True
            except queue.Full:
                continue
        return False

    # -- in -------------------------------------------------------------------------------------------

    def _send(self, message: Image | End) -> None:
        with self._send_lock:
            if self._closed.is_set():
                return
            try:
                self._child.send(message)
            except ChildGone:
                # the worker died: the pump reads the pipe's end and ``events()`` raises UNAVAILABLE. Raising here
                # would reach the request reader, which takes an OSError for the client leaving and closes the
                # session, so the call could end OK with no ``done`` and the client would hear nothing to retry
                pass

    def _answer(self, message: Result) -> None:
        """Queue a result the worker never made (an image refused before it got there)."""
        self._put(message)

    def end(self) -> None:
        self._send(End())

    # -- out ------------------------------------------------------------------------------------------

    def events(self) -> Iterator[Result | Done]:
        """``Result`` ... then ``Done``; raises the worker's error."""
        while True:
            try:
                message = self._events.get(timeout=WAIT_S)
            except queue.Empty:
                if self._closed.is_set():
                    return  # the call is over (cancelled): nothing more will come
                continue
            if isinstance(message, Failed):
                raise message.error()
            yield message
            if isinstance(message, Done):
                return

    def close(self) -> None:
        """Stop the worker (the call ended or was cancelled); nothing is kept. A thread blocked in
        ``_send`` gets an OSError once the worker is gone; the pump sees the pipe's end and stops."""
        with self._close_lock:  # the call's callback and the handler's ``finally`` both close
            if self._closed.is_set():
                return
            self._closed.set()
        self._child.terminate()
        if self._pump_thread is not None:
            self._pump_thread.join(timeout=STOP_WAIT_S)
        with self._send_lock:  # a send in progress fails (the worker is gone) before the pipe is closed
            if self._pump_thread is None or not self._pump_thread.is_alive():  # never under a blocked receive
                self._child.conn.close()
