"""Turn ``grpc.RpcError`` into an error a person can act on."""

from __future__ import annotations

from collections.abc import Iterable

import grpc

from desktop.client.violations import FieldViolation, field_violations

_HINTS = {
    grpc.StatusCode.UNAVAILABLE: "the backend at {target} is not reachable",
    grpc.StatusCode.UNAUTHENTICATED: "the backend at {target} refused the token",
    grpc.StatusCode.DEADLINE_EXCEEDED: "the backend at {target} did not answer in time",
}


class BackendError(Exception):
    """An RPC failed. ``code`` is the gRPC status name (e.g. ``"NOT_FOUND"``); ``violations`` the request
    fields the backend says are at fault, each with its reason (empty when the error is about no one field)."""

    def __init__(self, code: str, message: str, *, target: str = "", violations: Iterable[FieldViolation] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.target = target
        self.violations = tuple(violations)

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_rpc(cls, error: grpc.RpcError, target: str) -> BackendError:
        code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
        details = (error.details() if isinstance(error, grpc.Call) else "") or ""
        hint = _HINTS.get(code)
        if hint is not None:
            message = hint.format(target=target) + (f" ({details})" if details else "")
        else:
            message = details or code.name.lower().replace("_", " ")
        return cls(code.name, message, target=target, violations=field_violations(error))
