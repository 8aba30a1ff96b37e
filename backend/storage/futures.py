"""Waiting on a batch of futures where the first failure ends the batch (parts of an upload, objects of a sync)."""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, Future, wait
from typing import TypeVar

T = TypeVar("T")


def next_done(in_flight: set[Future[T]]) -> tuple[set[Future[T]], set[Future[T]]]:
    """Wait until some futures finish; return (finished, still running). A failure cancels what has not
    started yet and is re-raised here, so the caller stops at the first error."""
    finished, pending = wait(in_flight, return_when=FIRST_EXCEPTION)
    for future in finished:
        if future.exception() is not None:
            for other in pending:
                other.cancel()
            future.result()
    return finished, pending
