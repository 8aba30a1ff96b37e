"""Bearer-token authentication and role checks for every RPC but the health check (cf. grpc's
examples/python/auth).

A call's token is the server's own (``--token``, an admin named ``server-token``) or a named token of the
workspace (``backend.tokens.store``, looked up on every call, so a revocation counts from the next call). The
method must allow the token's role (``backend.rpc.method_roles``); the refusal names the role needed and the
token's name, never the token. The caller is then current (``backend.rpc.caller``) while the method runs, and
a named token's streams end once it is revoked (``backend.rpc.revocation``).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

import grpc

from backend.rpc.caller import Caller, run_as, stream_as
from backend.rpc.errors import status_code
from backend.rpc.handlers import Behavior, wrap_handler
from backend.rpc.method_roles import OPEN_METHOD_PREFIXES, required_role
from backend.rpc.revocation import guard_streams
from backend.tokens.roles import Role
from backend.tokens.store import SERVER_TOKEN_NAME, TokenStore
from omni_core.errors import OmniError

__all__ = ["OPEN_METHOD_PREFIXES", "AuthInterceptor"]


def _token_from(metadata: Any) -> str | None:
    for key, value in metadata or ():
        if key.lower() == "authorization":
            scheme, _, token = str(value).partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return None


def _refusal(code: grpc.StatusCode, problem: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    def refuse_unary(_behavior: Behavior) -> Behavior:
        def refuse(_request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(code, problem)

        return refuse

    def refuse_streaming(_behavior: Behavior) -> Behavior:
        def refuse(_request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            context.abort(code, problem)
            yield  # pragma: no cover - makes this a generator

        return refuse

    return wrap_handler(handler, refuse_unary, refuse_streaming)


def _as_caller(caller: Caller, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    def unary(behavior: Behavior) -> Behavior:
        return lambda request, context: run_as(caller, behavior, request, context)

    def streaming(behavior: Behavior) -> Behavior:
        return lambda request, context: stream_as(caller, behavior, request, context)

    return wrap_handler(handler, unary, streaming)


class AuthInterceptor(grpc.ServerInterceptor):
    def __init__(self, token: str, store: TokenStore | None = None) -> None:
        self._server_token = token.encode()
        self._store = store

    def caller(self, token: str) -> Caller | None:
        """Who ``token`` is, or None when it is no valid token."""
        if hmac.compare_digest(token.encode(), self._server_token):
            return Caller(SERVER_TOKEN_NAME, Role.ADMIN, named=False)
        record = self._store.authenticate(token) if self._store is not None else None
        return None if record is None else Caller(record.name, record.role, named=True)

    def intercept_service(self, continuation: Any, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        token = _token_from(handler_call_details.invocation_metadata)
        if token is None:
            problem = "missing authorization metadata: send 'authorization: Bearer <token>'"
            return _refusal(grpc.StatusCode.UNAUTHENTICATED, problem, handler)
        try:
            caller = self.caller(token)
        except OmniError as error:  # the token store cannot be read: nobody's fault in the request
            return _refusal(status_code(error), error.message, handler)
        if caller is None:
            return _refusal(grpc.StatusCode.UNAUTHENTICATED, "invalid token", handler)
        needed = required_role(method)
        if caller.role < needed:
            problem = (
                f"the token {caller.name!r} is a {caller.role.label} token; "
                f"{method.strip('/')} needs the {needed.label} role"
            )
            return _refusal(grpc.StatusCode.PERMISSION_DENIED, problem, handler)
        handler = _as_caller(caller, handler)
        if caller.named:
            handler = guard_streams(handler, caller.name, lambda: self._still_holds(token))
        return handler

    def _still_holds(self, token: str) -> bool:
        try:
            return self.caller(token) is not None
        except OmniError:  # the store cannot be read for a moment: the stream goes on, the next check decides
            return True
