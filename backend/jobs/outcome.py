"""How a job's run ended, for its report: succeeded, cancelled or interrupted (the stop's own wording), or failed
with the reason. One recorder for every training run, so the report's state and error mean the same everywhere
(``backend.processes.outcome``, as in every worker process).

    ended = RunEnd()
    try:
        with ended.recording(stopped):
            ...  # the run
    finally:
        write_report(ended.state, ended.error)  # the exception, if any, goes on
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from backend.jobs.context import JobContext
from backend.processes.outcome import Outcome, outcome

#: what the local trainers keep when stopped: the checkpoint of the last completed epoch
STOPPED_LOCALLY = {
    "interrupted": "the backend stopped during the run; the last completed epoch's checkpoint is kept",
    "cancelled": "cancelled on request; the last completed epoch's checkpoint is kept",
}


def local_stop(ctx: JobContext) -> tuple[str, str]:
    """(state, error) of a local training run that was stopped."""
    reason = "interrupted" if getattr(ctx, "stop_reason", "cancelled") == "interrupted" else "cancelled"
    return reason, STOPPED_LOCALLY[reason]


@dataclass
class RunEnd:
    state: str = "succeeded"
    error: str = ""

    @contextmanager
    def recording(self, stopped: Callable[[], tuple[str, str]]) -> Iterator[None]:
        """Record how the block ends and let any exception go on; ``stopped`` words a cancel or interruption."""
        ended = Outcome()
        try:
            with outcome(stopped) as ended:
                yield
        finally:
            if ended.exception is not None:
                self.state, self.error = ended.state, ended.error
