"""One place where domain errors become gRPC status codes (cf. feast's grpc_error_interceptor), with the
fields at fault as ``google.rpc.BadRequest`` details (``backend.rpc.violations``) when the error names them.

Also the last line of defence for hostile input: a status message is cut to ``MAX_STATUS_MESSAGE_BYTES``
whoever set it, and an OS error caused by a name the client chose is the client's error, not INTERNAL.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from typing import Any

import grpc

from backend.rpc.handlers import Behavior, wrap_handler
from backend.rpc.limits import MAX_STATUS_MESSAGE_BYTES
from backend.rpc.violations import bad_request_status
from omni_core.errors import OmniError, shown

log = logging.getLogger("omni.rpc")

#: OS errors that a name or path in a request causes: the request is wrong, whatever field carried it
CLIENT_OS_ERRORS = {
    errno.ENAMETOOLONG: grpc.StatusCode.INVALID_ARGUMENT,
    errno.ELOOP: grpc.StatusCode.INVALID_ARGUMENT,
    errno.ENOTDIR: grpc.StatusCode.INVALID_ARGUMENT,
    errno.EISDIR: grpc.StatusCode.INVALID_ARGUMENT,
    errno.EILSEQ: grpc.StatusCode.INVALID_ARGUMENT,
    errno.ENOENT: grpc.StatusCode.NOT_FOUND,
    errno.EACCES: grpc.StatusCode.PERMISSION_DENIED,  # a folder the server's user may not read
}


def status_code(error: OmniError) -> grpc.StatusCode:
    return getattr(grpc.StatusCode, error.status, grpc.StatusCode.INTERNAL)


def cut_message(message: str, limit: int = MAX_STATUS_MESSAGE_BYTES) -> str:
    """``message`` cut to at most ``limit`` UTF-8 bytes (at a character boundary), saying so when cut."""
    encoded = message.encode()
    if len(encoded) <= limit:
        return message
    marker = f"… ({len(encoded)} bytes, cut)"
    return encoded[: limit - len(marker.encode())].decode(errors="ignore") + marker


def _os_error_status(error: Exception) -> tuple[grpc.StatusCode, str] | None:
    if isinstance(error, OSError) and error.errno in CLIENT_OS_ERRORS:
        name = f" {shown(error.filename)}" if error.filename is not None else ""
        return CLIENT_OS_ERRORS[error.errno], f"a name or path in the request cannot be used{name}: {error.strerror}"
    if isinstance(error, ValueError) and "null byte" in str(error):
        return grpc.StatusCode.INVALID_ARGUMENT, "a name or path in the request contains a NUL character"
    return None


def _abort(context: grpc.ServicerContext, error: Exception) -> None:
    if isinstance(error, OmniError):
        code, message = status_code(error), cut_message(error.message)
        if error.violations:  # the fields at fault, typed, beside the message a person reads
            context.abort_with_status(bad_request_status(code, message, error.violations))
        context.abort(code, message)
    mapped = _os_error_status(error)
    if mapped is not None:
        log.warning("an RPC failed on a name the client chose", exc_info=error)
        context.abort(mapped[0], cut_message(mapped[1]))
    log.exception("unexpected error in an RPC", exc_info=error)
    context.abort(grpc.StatusCode.INTERNAL, cut_message(f"internal error: {type(error).__name__}: {error}"))


def _aborted_already(context: grpc.ServicerContext, error: Exception) -> bool:
    """The servicer called ``context.abort`` itself (or the call failed): keep its status, cut its message."""
    if context.code() is None and not isinstance(error, grpc.RpcError):  # type: ignore[attr-defined]
        return False
    details = context.details() or b""  # type: ignore[attr-defined]
    if len(details) > MAX_STATUS_MESSAGE_BYTES:
        context.set_details(cut_message(details.decode(errors="replace")))
    return True


def _unary(behavior: Behavior) -> Behavior:
    def wrapper(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return behavior(request, context)
        except OmniError as error:
            _abort(context, error)
        except Exception as error:
            if _aborted_already(context, error):
                raise
            _abort(context, error)

    return wrapper


def _streaming(behavior: Behavior) -> Behavior:
    def wrapper(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from behavior(request, context)
        except OmniError as error:
            _abort(context, error)
        except Exception as error:
            if _aborted_already(context, error):
                raise
            _abort(context, error)

    return wrapper


class ErrorInterceptor(grpc.ServerInterceptor):
    def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        return wrap_handler(handler, _unary, _streaming)
