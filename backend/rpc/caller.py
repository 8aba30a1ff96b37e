"""Who is making the current call, as the auth interceptor established it, for servicers that record "who".

Set around each method's behaviour (and around each step of a response stream) by ``AuthInterceptor``;
without authentication (a loopback backend with no token) there is no caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from backend.tokens.roles import Role


@dataclass(frozen=True)
class Caller:
    """The token a call came with: its name (never its secret) and role. ``named`` is False for the server's
    own ``--token``, which anyone running the backend may hold and so names no one person."""

    name: str
    role: Role
    named: bool


_current: ContextVar[Caller | None] = ContextVar("omni_caller", default=None)


def current_caller() -> Caller | None:
    return _current.get()


def recorded_name(claimed: str) -> str:
    """What an edit records as "who": the named token's name, else what the client says (its user name)."""
    caller = current_caller()
    return caller.name if caller is not None and caller.named else claimed


def run_as(caller: Caller, behavior: Callable[..., Any], *args: Any) -> Any:
    token = _current.set(caller)
    try:
        return behavior(*args)
    finally:
        _current.reset(token)


def stream_as(caller: Caller, behavior: Callable[..., Iterator[Any]], *args: Any) -> Iterator[Any]:
    """``behavior``'s responses, each produced with ``caller`` as the current caller."""
    responses = run_as(caller, behavior, *args)
    while True:
        token = _current.set(caller)
        try:
            response = next(responses)
        except StopIteration:
            return
        finally:
            _current.reset(token)
        yield response
