"""What travels on a worker's pipe: frozen dataclasses, matched by type, never tuples with a tag in front.

``Failed`` and ``End`` are every child's; ``Image`` ... ``Done`` are the protocol of the streaming workers
(images in, results out) behind ``Batch.RestoreStream`` and ``Batch.DetectStream``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omni_core.errors import OmniError


@dataclass(frozen=True)
class Failed:
    """The child could not do what was asked: a status by name (``backend.rpc.errors`` maps it) and why."""

    status: str
    message: str

    @classmethod
    def of(cls, error: BaseException) -> Failed:
        """A domain error keeps its status and message; anything else is INTERNAL, named by its type."""
        if isinstance(error, OmniError):
            return cls(error.status, error.message)
        return cls("INTERNAL", f"{type(error).__name__}: {error}")

    def error(self) -> OmniError:
        """The exception to raise on the parent's side."""
        error = OmniError(self.message)
        error.status = self.status
        return error


@dataclass(frozen=True)
class End:
    """No more work: the child finishes what it has and stops."""


@dataclass(frozen=True)
class Image:
    key: str
    data: bytes
    reference: bytes | None = None


@dataclass(frozen=True)
class Ready:
    """The worker's engine is open; ``info`` says how (provider, warnings, ...)."""

    info: dict[str, Any]


@dataclass(frozen=True)
class Result:
    """One image's outcome (a dict of plain values), with its encoded output where the worker makes one."""

    outcome: dict[str, Any]
    data: bytes | None = None


@dataclass(frozen=True)
class Done:
    """Every image has been answered; how many went each way."""

    counts: dict[str, int]
