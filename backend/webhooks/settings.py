"""How deliveries are timed: the one definition of the backoff schedule, the attempt timeout and the pool.

Every value can come from an ``OMNI_WEBHOOK_*`` variable (tests shorten the schedule that way or by passing
``WebhookSettings(...)`` to ``ServerSettings.webhooks``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

DAY_S = 24 * 3600.0


@dataclass(frozen=True)
class WebhookSettings:
    #: one POST may take this long (connect, send, first byte, each read) before it counts as failed
    attempt_timeout_s: float = 10.0
    #: the wait before the first retry; each later wait is ``backoff_factor`` times longer ...
    backoff_first_s: float = 5.0
    backoff_factor: float = 2.0
    #: ... up to this (5 s, 10 s, 20 s, ... 1 h, 1 h, ...: about 30 attempts in a day)
    backoff_max_s: float = 3600.0
    #: each wait is stretched or shrunk at random by up to this share, so receivers are not hit in step
    jitter: float = 0.2
    #: a delivery not through this long after it was queued is given up (FAILED)
    give_up_after_s: float = DAY_S
    #: deliveries in flight at once (at most one per receiver, so a dead one holds one thread at most)
    workers: int = 8
    #: how often the outbox is looked at when nothing wakes the deliverer
    poll_s: float = 1.0

    @classmethod
    def from_env(cls) -> WebhookSettings:
        """Defaults, overridden by ``OMNI_WEBHOOK_<FIELD>`` (e.g. ``OMNI_WEBHOOK_BACKOFF_FIRST_S=0.5``)."""
        values: dict[str, float | int] = {}
        for item in fields(cls):
            raw = os.environ.get(f"OMNI_WEBHOOK_{item.name.upper()}")
            if raw:
                values[item.name] = int(raw) if item.type == "int" else float(raw)
        return cls(**values)  # type: ignore[arg-type]

    def backoff_s(self, attempts: int, random_unit: float) -> float:
        """The wait after the ``attempts``-th failed attempt; ``random_unit`` in [0, 1) draws the jitter."""
        base = min(self.backoff_max_s, self.backoff_first_s * self.backoff_factor ** max(0, attempts - 1))
        return base * (1.0 + self.jitter * (2.0 * random_unit - 1.0))
