"""Domain errors. Each knows its status by name; ``backend.rpc.errors`` maps names to gRPC codes.

Domain code raises these and never imports grpc, so the same functions serve the CLI, tests and RPCs.
"""

from __future__ import annotations

#: how much of a client's value an error message repeats: enough to recognise it, never enough to push the
#: status trailer past gRPC's metadata limit (a 3,000-character id once turned NOT_FOUND into RESOURCE_EXHAUSTED)
ECHO_LIMIT = 80


def shown(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters with the full length stated."""
    text = repr(value) if isinstance(value, str) else repr(str(value))
    if len(text) <= limit:
        return text
    length = len(value) if isinstance(value, str) else len(str(value))
    return f"{text[: limit - 1]}…' ({length} characters)"


class OmniError(Exception):
    """Base of every error the backend reports to a client on purpose."""

    status = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(OmniError):
    """A request field is wrong; ``field`` names it so the client can point at it."""

    status = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class NotFound(OmniError):
    status = "NOT_FOUND"


class AlreadyExists(OmniError):
    status = "ALREADY_EXISTS"


class FailedPrecondition(OmniError):
    status = "FAILED_PRECONDITION"


class PermissionDenied(OmniError):
    status = "PERMISSION_DENIED"


class Unauthenticated(OmniError):
    status = "UNAUTHENTICATED"


class ResourceExhausted(OmniError):
    status = "RESOURCE_EXHAUSTED"


class Unavailable(OmniError):
    """A service this backend depends on (a cloud API, a remote) failed on its side; trying later may work."""

    status = "UNAVAILABLE"


class Conflict(OmniError):
    """Someone else changed the thing first (a stale revision); nothing was overwritten."""

    status = "ABORTED"


class JobCancelled(Exception):
    """Raised inside a job when its cancel flag is seen; the worker reports CANCELLED, not FAILED."""
