"""Domain errors. Each knows its status by name; ``backend.rpc.errors`` maps names to gRPC codes.

Domain code raises these and never imports grpc, so the same functions serve the CLI, tests and RPCs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

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


@dataclass(frozen=True)
class FieldViolation:
    """One field of a request that is at fault: its path (``spec.train_restoration.lr``) and why.

    ``backend.rpc.errors`` sends these as ``google.rpc.BadRequest`` field violations, so a client reads them by
    field instead of parsing the message.
    """

    field: str
    description: str


class OmniError(Exception):
    """Base of every error the backend reports to a client on purpose.

    With ``field``, the error is about that request field: the message reads ``"<field>: <message>"`` (what a
    person sees) and ``violations`` holds the field and the reason apart (what a program reads).
    """

    status = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.violations: tuple[FieldViolation, ...] = ()
        if field is not None:
            self.violations = (FieldViolation(field, message),)
            message = f"{field}: {message}"
        super().__init__(message)
        self.message = message

    @property
    def field(self) -> str | None:
        """The first field at fault, or None for an error about no one field."""
        return self.violations[0].field if self.violations else None

    @property
    def reason(self) -> str:
        """What is wrong, without the field's name: to say it of another field."""
        return self.violations[0].description if self.violations else self.message

    def within(self, prefix: str, *, unless: tuple[str, ...] = ()) -> Self:
        """This error with each field path put under ``prefix`` (``count`` -> ``spec.synth_restoration.count``),
        so it names the field from the request's top; a path already starting with ``prefix`` or one of
        ``unless`` (fields of the request itself) stays. The message a person reads stays as it is."""
        kept = (prefix, *unless)
        moved = type(self).__new__(type(self))  # not copy.copy: subclasses' __init__ take other arguments
        moved.__dict__.update(self.__dict__)
        moved.args = self.args
        moved.violations = tuple(
            v if v.field.startswith(kept) else FieldViolation(prefix + v.field, v.description) for v in self.violations
        )
        return moved


class InvalidArgument(OmniError):
    """A request field is wrong; ``field`` names it so the client can point at it."""

    status = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


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
