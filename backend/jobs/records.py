"""Plain records of jobs and their events, shared by the store, the manager and the RPC conversion."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def terminal(self) -> bool:
        return self not in (JobState.QUEUED, JobState.RUNNING)


class EventType(enum.StrEnum):
    PROGRESS = "progress"
    METRIC = "metric"
    LOG = "log"
    ARTIFACT = "artifact"
    STATE = "state"


@dataclass(frozen=True)
class JobEventRecord:
    job_id: str
    seq: int
    time: float
    type: EventType
    payload: dict[str, Any]


@dataclass
class JobRecord:
    id: str
    kind: str
    params: dict[str, Any]
    state: JobState = JobState.QUEUED
    created_at: float = 0.0
    started_at: float = 0.0
    finished_at: float = 0.0
    progress: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    last_seq: int = 0
    resumed_from: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    resumable: bool = False
