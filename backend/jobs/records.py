"""Plain records of jobs and their events, shared by the store, the manager and the RPC conversion."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format

from protos.omni.v1 import jobs_pb2, training_pb2


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
    ITEM = "item"  # payload: an ItemOutcome in its JSON form (proto field names)
    EVALUATION = "evaluation"  # payload: an EvaluationResult in its JSON form (proto field names)


def item_payload(outcome: jobs_pb2.ItemOutcome) -> dict[str, Any]:
    """How an ``item`` event is stored: the message's JSON form with its field names."""
    return json_format.MessageToDict(outcome, preserving_proto_field_name=True)


def item_from_payload(payload: dict[str, Any]) -> jobs_pb2.ItemOutcome:
    return json_format.ParseDict(payload, jobs_pb2.ItemOutcome(), ignore_unknown_fields=True)


def evaluation_payload(result: training_pb2.EvaluationResult) -> dict[str, Any]:
    """How an ``evaluation`` event is stored (an infinite PSNR is the string "Infinity" in JSON)."""
    return json_format.MessageToDict(result, preserving_proto_field_name=True)


def evaluation_from_payload(payload: dict[str, Any]) -> training_pb2.EvaluationResult:
    return json_format.ParseDict(payload, training_pb2.EvaluationResult(), ignore_unknown_fields=True)


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
