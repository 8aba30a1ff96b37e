"""Bearer-token authentication for every RPC but the health check (cf. grpc's examples/python/auth)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

import grpc

from backend.rpc.handlers import Behavior, wrap_handler

OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/",)


def _token_from(metadata: Any) -> str | None:
    for key, value in metadata or ():
        if key.lower() == "authorization":
            scheme, _, token = str(value).partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return None


class AuthInterceptor(grpc.ServerInterceptor):
    def __init__(self, token: str) -> None:
        self._token = token.encode()

    def _problem(self, metadata: Any) -> str | None:
        token = _token_from(metadata)
        if token is None:
            return "missing authorization metadata: send 'authorization: Bearer <token>'"
        if not hmac.compare_digest(token.encode(), self._token):
            return "invalid token"
        return None

    def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler_call_details.method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        problem = self._problem(handler_call_details.invocation_metadata)
        if problem is None:
            return handler

        def refuse_unary(_behavior: Behavior) -> Behavior:
            def refuse(_request: Any, context: grpc.ServicerContext) -> Any:
                context.abort(grpc.StatusCode.UNAUTHENTICATED, problem)

            return refuse

        def refuse_streaming(_behavior: Behavior) -> Behavior:
            def refuse(_request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                context.abort(grpc.StatusCode.UNAUTHENTICATED, problem)
                yield  # pragma: no cover - makes this a generator

            return refuse

        return wrap_handler(handler, refuse_unary, refuse_streaming)
