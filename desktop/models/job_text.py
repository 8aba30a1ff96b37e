"""How a job and its events read as text: the cells of the jobs table and the lines of the event log."""

from __future__ import annotations

import datetime as dt

from google.protobuf import text_format

from desktop.client.connection import TERMINAL_STATES, state_name
from desktop.models.evaluation_table import summary_line
from desktop.models.formatting import format_duration, format_rate, format_timestamp, timestamp_datetime
from protos.omni.v1 import jobs_pb2

COLUMNS = ("ID", "Kind", "State", "Progress", "Rate", "ETA", "Created")
ACTIVE_STATES = frozenset({jobs_pb2.JOB_STATE_QUEUED, jobs_pb2.JOB_STATE_RUNNING})


def progress_fraction(job: jobs_pb2.Job) -> float | None:
    """Done/total in [0, 1]; 1 for a succeeded job; None when the total is unknown."""
    if job.state == jobs_pb2.JOB_STATE_SUCCEEDED:
        return 1.0
    progress = job.progress
    if progress.total <= 0:
        return None
    return min(1.0, max(0.0, progress.done / progress.total))


def progress_percent(job: jobs_pb2.Job) -> int | None:
    fraction = progress_fraction(job)
    return None if fraction is None else int(fraction * 100)


def percent_text(fraction: float) -> str:
    """``"37%"``; one decimal below 10% so a long job does not sit at ``"0%"`` for an hour."""
    percent = fraction * 100
    if percent >= 10 or percent == 0:
        return f"{int(percent)}%"
    return f"{max(0.1, int(percent * 10) / 10):.1f}%"


def progress_text(job: jobs_pb2.Job, *, short: bool = False) -> str:
    """``"37% (37/100 pairs)"``, or ``"37% · 37/100"`` when ``short``; the count alone without a total."""
    progress = job.progress
    counted = f"{progress.done}/{progress.total}" if progress.total > 0 else str(progress.done)
    unit = "" if short else progress.unit
    fraction = progress_fraction(job)
    if fraction is None:
        return f"{counted} {unit}".strip() if progress.done or progress.unit else ""
    if progress.total <= 0:
        return percent_text(fraction)
    if short:
        return f"{percent_text(fraction)} · {counted}"
    return f"{percent_text(fraction)} ({counted} {unit})".replace(" )", ")")


def rate_text(job: jobs_pb2.Job) -> str:
    """The recent rate, only while the job runs (a finished job's last rate means nothing)."""
    if job.state != jobs_pb2.JOB_STATE_RUNNING:
        return ""
    return format_rate(job.progress.rate, job.progress.unit)


def eta_text(job: jobs_pb2.Job) -> str:
    if job.state != jobs_pb2.JOB_STATE_RUNNING or job.progress.total <= 0 or job.progress.eta_seconds < 0:
        return ""
    return format_duration(job.progress.eta_seconds)


def state_text(job: jobs_pb2.Job) -> str:
    return state_name(job.state)


def is_active(job: jobs_pb2.Job) -> bool:
    return job.state in ACTIVE_STATES


def can_cancel(job: jobs_pb2.Job | None) -> bool:
    return job is not None and is_active(job)


def can_resume(job: jobs_pb2.Job | None) -> bool:
    return (
        job is not None and job.resumable and job.state in TERMINAL_STATES and job.state != jobs_pb2.JOB_STATE_SUCCEEDED
    )


def cell_text(job: jobs_pb2.Job, column: int) -> str:
    """The text of one cell of the jobs table; ``column`` indexes ``COLUMNS``."""
    name = COLUMNS[column]
    if name == "ID":
        return job.id
    if name == "Kind":
        return job.kind
    if name == "State":
        return state_text(job)
    if name == "Progress":
        return progress_text(job, short=True)
    if name == "Rate":
        return rate_text(job)
    if name == "ETA":
        return eta_text(job)
    return format_timestamp(job.created_at)


def duration_text(job: jobs_pb2.Job, *, now: dt.datetime | None = None) -> str:
    """How long the job ran (so far)."""
    started = timestamp_datetime(job.started_at)
    if started is None:
        return ""
    finished = timestamp_datetime(job.finished_at) or now or dt.datetime.now().astimezone()
    return format_duration(max(0.0, (finished - started).total_seconds()))


def spec_text(job: jobs_pb2.Job) -> str:
    """The job's parameters, one ``name: value`` per line (lists joined by commas)."""
    kind = job.spec.WhichOneof("spec")
    if kind is None:
        return ""
    spec = getattr(job.spec, kind)
    lines = []
    for field, value in spec.ListFields():
        if field.is_repeated:
            shown = ", ".join(str(item) for item in value)
        else:
            shown = text_format.MessageToString(value, as_one_line=True) if field.message_type else str(value)
        lines.append(f"{field.name}: {shown}")
    return "\n".join(lines)


def item_text(item: jobs_pb2.ItemOutcome) -> str:
    """``"done a.png -> a.webp"``, ``"failed b.png: cannot decode ..."``, ``"skipped notes.txt: not an image"``."""
    if item.ok:
        return f"done {item.input}" + (f" -> {item.output}" if item.output and item.output != item.input else "")
    return f"{'skipped' if item.skipped else 'failed'} {item.input}: {item.reason}"


def item_failed(item: jobs_pb2.ItemOutcome) -> bool:
    """Not done, and not left out on purpose either."""
    return not item.ok and not item.skipped


def event_text(event: jobs_pb2.JobEvent) -> str:
    """What an event says, without its number and time."""
    kind = event.WhichOneof("payload")
    if kind == "state":
        suffix = f": {event.state.message}" if event.state.message else ""
        return f"state {state_name(event.state.state)}{suffix}"
    if kind == "progress":
        p = event.progress
        done = f"{p.done}/{p.total}" if p.total > 0 else str(p.done)
        parts = [f"progress {done} {p.unit}".rstrip()]
        if p.rate > 0:
            parts.append(format_rate(p.rate, p.unit))
        if p.total > 0 and p.eta_seconds >= 0:
            parts.append(f"ETA {format_duration(p.eta_seconds)}")
        text = ", ".join(parts)
        return f"{text} — {p.message}" if p.message else text
    if kind == "log":
        level = jobs_pb2.LogLine.Level.Name(event.log.level).removeprefix("LEVEL_").lower()
        return event.log.message if level in ("info", "unspecified") else f"[{level}] {event.log.message}"
    if kind == "metric":
        m = event.metric
        return f"metric {m.name} = {m.value:.6g} (step {m.step})"
    if kind == "artifact":
        a = event.artifact
        return f"artifact {a.kind}: {a.key}" + (f" — {a.description}" if a.description else "")
    if kind == "item":
        return item_text(event.item)
    if kind == "evaluation":
        return summary_line(event.evaluation)
    return "(empty event)"


def event_line(event: jobs_pb2.JobEvent) -> str:
    """``"  12  18:08:14.870  state running"``: seq, local time with milliseconds, text."""
    moment = timestamp_datetime(event.time)
    when = moment.strftime("%H:%M:%S.%f")[:-3] if moment else "--:--:--.---"
    return f"{event.seq:>5}  {when}  {event_text(event)}"
