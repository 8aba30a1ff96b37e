"""One place where domain errors become gRPC status codes (cf. feast's grpc_error_interceptor)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import grpc

from backend.errors import OmniError
from backend.rpc.handlers import Behavior, wrap_handler

log = logging.getLogger("omni.rpc")


def status_code(error: OmniError) -> grpc.StatusCode:
    return getattr(grpc.StatusCode, error.status, grpc.StatusCode.INTERNAL)


def _abort(context: grpc.ServicerContext, error: Exception) -> None:
    if isinstance(error, OmniError):
        context.abort(status_code(error), error.message)
    log.exception("unexpected error in an RPC")
    context.abort(grpc.StatusCode.INTERNAL, f"internal error: {type(error).__name__}: {error}")


def _unary(behavior: Behavior) -> Behavior:
    def wrapper(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return behavior(request, context)
        except OmniError as error:
            _abort(context, error)
        except Exception as error:
            if context.code() is not None or isinstance(error, grpc.RpcError):  # type: ignore[attr-defined]
                raise  # already aborted by the servicer
            _abort(context, error)

    return wrapper


def _streaming(behavior: Behavior) -> Behavior:
    def wrapper(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from behavior(request, context)
        except OmniError as error:
            _abort(context, error)
        except Exception as error:
            if context.code() is not None or isinstance(error, grpc.RpcError):  # type: ignore[attr-defined]
                raise
            _abort(context, error)

    return wrapper


class ErrorInterceptor(grpc.ServerInterceptor):
    def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        return wrap_handler(handler, _unary, _streaming)
