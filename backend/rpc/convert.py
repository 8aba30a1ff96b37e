"""proto <-> domain conversion, so servicers stay thin and domain code never sees protobuf.

Job parameters are frozen dataclasses whose field names equal the fields of the matching spec
message (``SynthRestorationParams`` <-> ``SynthRestorationSpec``); the two generic functions below
rely on that, which keeps adding a job kind to "write the dataclass, write the message".
"""

from __future__ import annotations

import dataclasses
from typing import Any

from google.protobuf.json_format import MessageToDict, ParseDict
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from backend.jobs.records import (
    EventType,
    JobEventRecord,
    JobRecord,
    JobState,
    evaluation_from_payload,
    item_from_payload,
)
from backend.jobs.registry import KINDS
from backend.rpc import limits
from omni_core.errors import InvalidArgument, shown
from protos.omni.v1 import jobs_pb2

STATE_TO_PROTO = {
    JobState.QUEUED: jobs_pb2.JOB_STATE_QUEUED,
    JobState.RUNNING: jobs_pb2.JOB_STATE_RUNNING,
    JobState.SUCCEEDED: jobs_pb2.JOB_STATE_SUCCEEDED,
    JobState.FAILED: jobs_pb2.JOB_STATE_FAILED,
    JobState.CANCELLED: jobs_pb2.JOB_STATE_CANCELLED,
    JobState.INTERRUPTED: jobs_pb2.JOB_STATE_INTERRUPTED,
}
STATE_FROM_PROTO = {value: key for key, value in STATE_TO_PROTO.items()}
LOG_LEVELS = {
    "debug": jobs_pb2.LogLine.LEVEL_DEBUG,
    "info": jobs_pb2.LogLine.LEVEL_INFO,
    "warning": jobs_pb2.LogLine.LEVEL_WARNING,
    "error": jobs_pb2.LogLine.LEVEL_ERROR,
}


def timestamp(seconds: float) -> Timestamp | None:
    if not seconds:
        return None
    stamp = Timestamp()
    stamp.FromNanoseconds(int(seconds * 1e9))
    return stamp


def params_from_message(params_type: type, message: Message) -> Any:
    """Build a params dataclass from the spec message with the same field names."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(params_type):
        value = getattr(message, field.name)
        if isinstance(value, Message):  # a nested message travels in its JSON form
            values[field.name] = MessageToDict(value, preserving_proto_field_name=True)
        else:
            values[field.name] = tuple(value) if hasattr(value, "extend") else value
    return params_type(**values)


def fill_message(message: Message, params: dict[str, Any]) -> None:
    """Copy a params dict (a dataclass as JSON) into the spec message with the same field names."""
    for name, value in params.items():
        if name not in message.DESCRIPTOR.fields_by_name:
            continue
        if isinstance(value, list | tuple):
            getattr(message, name).extend(value)
        elif isinstance(value, dict):
            ParseDict(value, getattr(message, name))
        else:
            setattr(message, name, value)


def spec_to_params(spec: jobs_pb2.JobSpec) -> tuple[str, Any]:
    """The job kind named by the spec's oneof, and its params dataclass."""
    kind_name = spec.WhichOneof("spec")
    if kind_name is None:
        raise InvalidArgument("spec", f"set one job kind; this backend runs: {', '.join(sorted(KINDS))}")
    if kind_name not in KINDS:
        raise InvalidArgument("spec", f"this backend cannot run jobs of kind {shown(kind_name)}")
    return kind_name, params_from_message(KINDS[kind_name].params_type, getattr(spec, kind_name))


def progress_to_proto(progress: dict[str, Any]) -> jobs_pb2.Progress:
    return jobs_pb2.Progress(
        done=int(progress.get("done", 0)),
        total=int(progress.get("total", 0)),
        eta_seconds=float(progress.get("eta_seconds", -1.0)),
        rate=float(progress.get("rate", 0.0)),
        unit=str(progress.get("unit", "")),
        message=str(progress.get("message", "")),
    )


def labels_to_proto(labels: dict[str, str]) -> dict[str, str]:
    """Labels within the limits of a submit. Jobs stored before labels were bounded may hold thousands, which
    once made every ListJobs and WatchJobs answer too large to read: they are sent cut (the first ``LABELS``
    by key, keys and values cut to their limits); the store keeps them whole."""
    key_chars, value_chars = limits.LABEL_KEY_CHARS, limits.LABEL_VALUE_CHARS
    if len(labels) <= limits.LABELS and all(len(k) <= key_chars and len(v) <= value_chars for k, v in labels.items()):
        return labels
    return {key[:key_chars]: value[:value_chars] for key, value in sorted(labels.items())[: limits.LABELS]}


def job_to_proto(job: JobRecord) -> jobs_pb2.Job:
    message = jobs_pb2.Job(
        id=job.id,
        kind=job.kind,
        state=STATE_TO_PROTO[job.state],
        created_at=timestamp(job.created_at),
        started_at=timestamp(job.started_at),
        finished_at=timestamp(job.finished_at),
        message=job.message,
        last_seq=job.last_seq,
        resumable=job.resumable,
        resumed_from=job.resumed_from,
        outputs=job.outputs,
        labels=labels_to_proto(job.labels),
    )
    if job.progress:
        message.progress.CopyFrom(progress_to_proto(job.progress))
    if job.kind in jobs_pb2.JobSpec.DESCRIPTOR.fields_by_name:
        spec_message = getattr(message.spec, job.kind)
        fill_message(spec_message, job.params)
        spec_message.SetInParent()
    return message


def event_to_proto(event: JobEventRecord) -> jobs_pb2.JobEvent:
    message = jobs_pb2.JobEvent(job_id=event.job_id, seq=event.seq, time=timestamp(event.time))
    payload = event.payload
    if event.type == EventType.PROGRESS:
        message.progress.CopyFrom(progress_to_proto(payload))
    elif event.type == EventType.METRIC:
        message.metric.CopyFrom(
            jobs_pb2.Metric(
                name=payload["name"], value=payload["value"], step=payload.get("step", 0), epoch=payload.get("epoch", 0)
            )
        )
    elif event.type == EventType.LOG:
        level = LOG_LEVELS.get(payload.get("level", "info"), jobs_pb2.LogLine.LEVEL_INFO)
        message.log.CopyFrom(jobs_pb2.LogLine(level=level, message=payload.get("message", "")))
    elif event.type == EventType.ARTIFACT:
        message.artifact.CopyFrom(jobs_pb2.Artifact(**payload))
    elif event.type == EventType.STATE:
        state = STATE_TO_PROTO[JobState(payload["state"])]
        message.state.CopyFrom(jobs_pb2.StateChange(state=state, message=payload.get("message", "")))
    elif event.type == EventType.ITEM:
        message.item.CopyFrom(item_from_payload(payload))
    elif event.type == EventType.EVALUATION:
        message.evaluation.CopyFrom(evaluation_from_payload(payload))
    return message
