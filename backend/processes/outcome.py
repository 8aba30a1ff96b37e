"""How a piece of work ended, one mapping for every worker: succeeded; cancelled or interrupted (the stop's own
wording); or failed, with the domain error's status and message, or INTERNAL and the exception's type.

    with outcome(swallow=Exception) as ended:
        ...  # the work
    if ended.failed:
        send(ended.failure)
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from backend.processes.messages import Failed
from omni_core.errors import JobCancelled, OmniError

Swallowed = tuple[type[BaseException], ...]


def stopped_on_request() -> tuple[str, str]:
    return "cancelled", "stopped on request"


@dataclass
class Outcome:
    state: str = "succeeded"
    error: str = ""
    #: the failure's status by name ("CANCELLED" for a stop); "" while nothing went wrong
    status: str = ""
    exception: BaseException | None = None
    #: the traceback of a failure, for a log
    trace: str = ""

    @property
    def failed(self) -> bool:
        return self.state == "failed"

    @property
    def crashed(self) -> bool:
        """Failed with an exception that is not a domain error (``OmniError``): a bug, or a native library's."""
        return self.failed and not isinstance(self.exception, OmniError)

    @property
    def failure(self) -> Failed:
        return Failed(self.status, self.error)


@contextmanager
def outcome(
    stopped: Callable[[], tuple[str, str]] = stopped_on_request, *, swallow: type[BaseException] | Swallowed = ()
) -> Iterator[Outcome]:
    """Record how the block ends in the ``Outcome`` it yields; ``stopped`` words a ``JobCancelled`` as
    (state, error). Exceptions of the ``swallow`` types end here (the worker reports them); others go on."""
    ended = Outcome()
    try:
        yield ended
    except JobCancelled as stop:
        ended.state, ended.error = stopped()
        ended.status, ended.exception = "CANCELLED", stop
        if not isinstance(stop, swallow):
            raise
    except BaseException as error:
        failure = Failed.of(error)
        ended.state, ended.status, ended.error, ended.exception = "failed", failure.status, failure.message, error
        ended.trace = traceback.format_exc()
        if not isinstance(error, swallow):
            raise
