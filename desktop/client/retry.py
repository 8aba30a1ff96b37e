"""Coming back after the network drops: which failures are worth another try, how long to wait between tries,
and when to give up. One policy for everything that resumes — following a job's events, uploads, streamed
restores — instead of a loop of its own in each.

A try that makes progress (an event received, a file stored, an image restored) starts the waits over, so a long
run survives any number of short outages; ``patience_s`` without progress ends it with the last error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop.client.errors import BackendError

#: what a dropped or restarting connection looks like; anything else (a refused request) is final
TRANSIENT_CODES = frozenset({"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "UNKNOWN"})
DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)
PATIENCE_S = 180.0


@dataclass
class Reconnect:
    """Say whether to try again after ``error`` (waiting first), for one operation that may need several tries."""

    delays_s: tuple[float, ...] = DELAYS_S
    patience_s: float = PATIENCE_S
    codes: frozenset[str] = TRANSIENT_CODES
    #: told before each wait (the error, the seconds it waits): a status line says "reconnecting…"
    on_wait: Callable[[BackendError, float], None] = lambda error, delay: None
    should_stop: Callable[[], bool] = lambda: False
    _attempt: int = field(default=0, init=False)
    _failing_since: float | None = field(default=None, init=False)

    def progressed(self) -> None:
        """The last try got somewhere: the next failure starts the waits over."""
        self._attempt, self._failing_since = 0, None

    def again(self, error: BaseException) -> bool:
        """True after waiting, when ``error`` is transient and patience is not spent; False to give up."""
        if not isinstance(error, BackendError) or error.code not in self.codes or self.should_stop():
            return False
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if now - self._failing_since > self.patience_s:
            return False
        delay = self.delays_s[min(self._attempt, len(self.delays_s) - 1)]
        self._attempt += 1
        self.on_wait(error, delay)
        until = now + delay
        while (left := until - time.monotonic()) > 0:
            if self.should_stop():
                return False
            time.sleep(min(left, 0.1))
        return True
