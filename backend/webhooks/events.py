"""The event types a webhook can subscribe to: one list, checked on every subscription."""

from __future__ import annotations

from backend.jobs.records import JobState
from omni_core.errors import InvalidArgument, shown

JOB_STARTED = "job.started"
JOB_SUCCEEDED = "job.succeeded"
JOB_FAILED = "job.failed"
JOB_CANCELLED = "job.cancelled"
JOB_INTERRUPTED = "job.interrupted"
MODEL_REGISTERED = "model.registered"
MODEL_PROMOTED = "model.promoted"
WEBHOOK_TEST = "webhook.test"

EVENT_TYPES = (
    JOB_STARTED,
    JOB_SUCCEEDED,
    JOB_FAILED,
    JOB_CANCELLED,
    JOB_INTERRUPTED,
    MODEL_REGISTERED,
    MODEL_PROMOTED,
    WEBHOOK_TEST,
)

#: the job state each job event announces; a queued job announces nothing
JOB_STATE_EVENTS: dict[JobState, str] = {
    JobState.RUNNING: JOB_STARTED,
    JobState.SUCCEEDED: JOB_SUCCEEDED,
    JobState.FAILED: JOB_FAILED,
    JobState.CANCELLED: JOB_CANCELLED,
    JobState.INTERRUPTED: JOB_INTERRUPTED,
}

#: what a job's ``notify_url`` receives: its end, once (an n8n Wait node resumes on the first call)
JOB_END_EVENTS = frozenset({JOB_SUCCEEDED, JOB_FAILED, JOB_CANCELLED, JOB_INTERRUPTED})


def check_events(names: list[str], field: str = "events") -> list[str]:
    """``names`` without repeats, or InvalidArgument naming ``field`` and the known types."""
    for name in names:
        if name not in EVENT_TYPES:
            raise InvalidArgument(field, f"{shown(name)} is not an event type; known: {', '.join(EVENT_TYPES)}")
    return list(dict.fromkeys(names))
