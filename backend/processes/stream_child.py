"""The child's side of a streaming worker (images in, results out), the two ways its work ends badly: it cannot
open its model (nothing the client sent is at fault), or it breaks mid-run."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from backend.processes.messages import Failed
from backend.processes.outcome import Outcome
from omni_core.errors import OmniError


def opening_failure(opened: Outcome, what: str) -> Failed | None:
    """Why the stream cannot start: a domain error as it is; anything else means ONNX Runtime refused ``what``
    (a file it cannot load, an opset it lacks): the request is fine, the registered model is not usable here."""
    error = opened.exception
    if error is None:
        return None
    if isinstance(error, OmniError):
        return Failed.of(error)
    return Failed("FAILED_PRECONDITION", f"model: ONNX Runtime cannot run {what} here ({_named(error, 300)})")


def report_run_end(ran: Outcome, send: Callable[[Failed], None]) -> None:
    """Tell the parent why the run broke, with the traceback; say nothing when the server ended the call."""
    error = ran.exception
    if error is None or isinstance(error, BrokenPipeError | EOFError):
        return
    with contextlib.suppress(OSError):
        send(Failed("INTERNAL", f"{_named(error)}\n{ran.trace}"))


def _named(error: BaseException, limit: int | None = None) -> str:
    return f"{type(error).__name__}: {str(error)[:limit]}"
