"""End a named token's open streams soon after the token is revoked.

The auth interceptor checks a token once, when a call starts; a stream (WatchJob, WatchJobs, RestoreStream,
UploadImages, ReadArtifact) may then run for hours. ``guard_streams`` wraps any streaming handler so that, at
most once every ``CHECK_INTERVAL_S`` and while it waits for the next message, it asks whether the token still
holds; once it does not, the call ends with UNAUTHENTICATED naming the token (never its secret).

A response stream is produced on a helper thread and handed over through a one-slot queue, so the call's
own thread wakes every interval even while the method waits a long time for something to send (an idle
WatchJobs). When the call ends the helper closes the method's generator, whose ``add_callback`` hooks have
already told it to stop. A stream of requests answered once (UploadImages) is read the same way, so an
upload whose client sends nothing more still ends once its token is revoked.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from backend.rpc.handlers import Behavior, wrap_handler

#: how often (seconds, at most) an open stream asks whether its token still holds
CHECK_INTERVAL_S = 1.0

#: True while the token holds; reads the token store (which is cheap: one indexed SQLite lookup)
StillValid = Callable[[], bool]


class _Check:
    """Asks ``still_valid`` at most once per interval and aborts the call once it says no."""

    def __init__(self, name: str, still_valid: StillValid, context: grpc.ServicerContext, interval: float) -> None:
        self._name, self._still_valid, self._context, self._interval = name, still_valid, context, interval
        self._next = time.monotonic() + interval

    def __call__(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self._interval
        if not self._still_valid():
            self._context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                f"the token {self._name!r} was revoked; this stream ended (ask an admin for a new token)",
            )


def _checked_requests(requests: Iterator[Any], check: _Check) -> Iterator[Any]:
    for request in requests:
        check()
        yield request


_END = object()
_open_lock = threading.Lock()
_open = 0


def open_streams() -> int:
    """How many guarded streams are open in this process (each holds an RPC thread)."""
    with _open_lock:
        return _open


def _count(change: int) -> None:
    global _open
    with _open_lock:
        _open += change


def _ended_quietly() -> None:
    """A response stream whose call ended: nothing is left to send to anyone."""


def _pumped(
    messages: Iterator[Any],
    check: _Check,
    context: grpc.ServicerContext,
    interval: float,
    call_ended: Callable[[], None] = _ended_quietly,
) -> Iterator[Any]:
    """``messages`` (the method's responses, or the client's requests) read on a helper thread, with ``check``
    run between them and every ``interval`` of waiting; ``call_ended`` runs when the call ends first (it may
    raise)."""
    handoff: queue.Queue[tuple[object, Any]] = queue.Queue(maxsize=1)
    stopped = threading.Event()
    context.add_callback(stopped.set)

    def put(item: tuple[object, Any]) -> bool:
        while not stopped.is_set():
            try:
                handoff.put(item, timeout=interval)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        try:
            for message in messages:
                if not put((message, None)):
                    break
            else:
                put((_END, None))
        except BaseException as error:  # noqa: BLE001 - handed to the call's thread, which raises it
            put((_END, error))
        finally:
            close = getattr(messages, "close", None)
            if close is not None and stopped.is_set():
                close()

    threading.Thread(target=pump, name="rpc-stream", daemon=True).start()
    _count(+1)
    try:
        while True:
            try:
                message, error = handoff.get(timeout=interval)
            except queue.Empty:
                if stopped.is_set():  # the call ended (the client went away): so does this thread's work
                    call_ended()
                    return
                check()
                continue
            if message is _END:
                if error is not None:
                    raise error
                return
            check()
            yield message
    finally:
        stopped.set()
        _count(-1)


def guard_streams(
    handler: grpc.RpcMethodHandler, name: str, still_valid: StillValid, interval: float = CHECK_INTERVAL_S
) -> grpc.RpcMethodHandler:
    """``handler`` whose streams (of requests, of responses or both) end with UNAUTHENTICATED once
    ``still_valid`` says the token named ``name`` no longer holds. Unary calls are left as they are."""
    if handler.unary_unary:
        return handler
    takes_stream = bool(handler.stream_unary or handler.stream_stream)

    def unary(behavior: Behavior) -> Behavior:  # a stream of requests, one response
        def run(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
            def unfinished() -> None:  # not an end of the requests: the method must not take it for one
                context.abort(grpc.StatusCode.CANCELLED, "the call ended before its last request")

            check = _Check(name, still_valid, context, interval)
            return behavior(_pumped(requests, check, context, interval, unfinished), context)

        return run

    def streaming(behavior: Behavior) -> Behavior:
        def run(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            check = _Check(name, still_valid, context, interval)
            if takes_stream:
                request = _checked_requests(request, check)
            return _pumped(behavior(request, context), check, context, interval)

        return run

    return wrap_handler(handler, unary, streaming)
