"""The child's side of a streaming worker (images in, results out), the two ways its work ends badly: it cannot
open its model (nothing the client sent is at fault), or it breaks mid-run."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from backend.processes.messages import Failed
from backend.processes.outcome import Outcome


def opening_failure(opened: Outcome, what: str) -> Failed | None:
    """Why the stream cannot start: a domain error as it is; anything else means ONNX Runtime refused ``what``
    (a file it cannot load, an opset it lacks): the request is fine, the registered model is not usable here."""
    if not opened.failed:
        return None
    error = opened.exception
    if opened.crashed and error is not None:
        why = f"model: ONNX Runtime cannot run {what} here ({type(error).__name__}: {str(error)[:300]})"
        return Failed("FAILED_PRECONDITION", why)
    return opened.failure


def report_run_end(ran: Outcome, send: Callable[[Failed], None]) -> None:
    """Tell the parent why the run broke, with the traceback; say nothing when the server ended the call."""
    error = ran.exception
    if not ran.failed or error is None or isinstance(error, BrokenPipeError | EOFError):
        return
    with contextlib.suppress(OSError):
        send(Failed("INTERNAL", f"{type(error).__name__}: {error}\n{ran.trace}"))
