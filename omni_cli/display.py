"""How the CLI shows jobs: a live progress bar in a terminal, plain lines otherwise."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from typing import TextIO

from google.protobuf.json_format import MessageToDict
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from desktop.client.connection import state_name
from desktop.models.formatting import format_bytes
from desktop.models.job_text import item_failed, item_text
from protos.omni.v1 import jobs_pb2

PLAIN_INTERVAL_S = 1.0


def err_console() -> Console:
    return Console(stderr=True, highlight=False)


def format_eta(seconds: float) -> str:
    if seconds < 0:
        return "?"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def rate_text(progress: jobs_pb2.Progress) -> str:
    """ "3.2 MiB/s" for a job counting bytes (a sync), "12.5 images/s" otherwise; "" while unknown."""
    if progress.rate <= 0:
        return ""
    if progress.unit == "bytes":
        return f"{format_bytes(int(progress.rate))}/s"
    return f"{progress.rate:.1f} {progress.unit or 'items'}/s"


def progress_text(progress: jobs_pb2.Progress) -> str:
    if progress.unit == "bytes":
        amount = format_bytes(progress.done) + (f"/{format_bytes(progress.total)}" if progress.total else "")
    else:
        amount = f"{progress.done}{f'/{progress.total}' if progress.total else ''} {progress.unit}"
    rate = f", {rate_text(progress)}" if progress.rate > 0 else ""
    eta = f", ETA {format_eta(progress.eta_seconds)}" if progress.total and progress.eta_seconds >= 0 else ""
    message = f" {progress.message}" if progress.message else ""
    return f"{amount.strip()}{rate}{eta}{message}".strip()


def event_line(event: jobs_pb2.JobEvent, *, every_item: bool = False) -> str | None:
    """A one-line description of an event, or None for progress (shown by the bar) and, unless ``every_item``,
    for items done or skipped (the summary counts them; a failed one is a warning)."""
    kind = event.WhichOneof("payload")
    if kind == "item":
        if item_failed(event.item):
            return f"[warning] {item_text(event.item)}"
        return item_text(event.item) if every_item else None
    if kind == "log":
        level = jobs_pb2.LogLine.Level.Name(event.log.level).removeprefix("LEVEL_").lower()
        return f"[{level}] {event.log.message}" if level != "info" else event.log.message
    if kind == "metric":
        return f"metric {event.metric.name} = {event.metric.value:.6g} (step {event.metric.step})"
    if kind == "artifact":
        return f"artifact {event.artifact.kind}: {event.artifact.key}"
    if kind == "state":
        suffix = f": {event.state.message}" if event.state.message else ""
        return f"state {state_name(event.state.state)}{suffix}"
    return None


class JobDisplay:
    """Feed it events; it draws them. Use as a context manager."""

    def __init__(self, job: jobs_pb2.Job, stream: TextIO | None = None) -> None:
        self.job = job
        self.stream = stream or sys.stderr
        self.interactive = self.stream.isatty()
        self._last_plain = 0.0
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> JobDisplay:
        if self.interactive:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("ETA {task.fields[eta]}"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.job.kind, total=None, rate="", eta="?")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def show(self, event: jobs_pb2.JobEvent) -> None:
        if event.WhichOneof("payload") == "progress":
            self._show_progress(event.progress)
            return
        line = event_line(event)
        if line is None:
            return
        if self._progress is not None:
            self._progress.console.print(line, markup=False, highlight=False)
        else:
            print(f"{self.job.id}: {line}", file=self.stream, flush=True)

    def _show_progress(self, progress: jobs_pb2.Progress) -> None:
        if self._progress is not None and self._task is not None:
            rate = rate_text(progress)
            self._progress.update(
                self._task,
                completed=progress.done,
                total=progress.total or None,
                rate=rate,
                eta=format_eta(progress.eta_seconds),
            )
            return
        now = time.monotonic()
        finished = progress.total and progress.done >= progress.total
        if finished or now - self._last_plain >= PLAIN_INTERVAL_S:
            self._last_plain = now
            print(f"{self.job.id}: {progress_text(progress)}", file=self.stream, flush=True)


def job_dict(job: jobs_pb2.Job) -> dict[str, object]:
    data = MessageToDict(job, preserving_proto_field_name=True)
    data["state"] = state_name(job.state)
    return data


def print_jobs(jobs: Iterable[jobs_pb2.Job], *, as_json: bool) -> None:
    jobs = list(jobs)
    if as_json:
        print(json.dumps([job_dict(job) for job in jobs], indent=2))
        return
    rows = []
    for job in jobs:
        created = (
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(job.created_at.seconds)) if job.created_at.seconds else ""
        )
        state = state_name(job.state) + (" (resumable)" if job.resumable else "")
        progress = progress_text(job.progress) if job.HasField("progress") else ""
        rows.append((job.id, job.kind, state, progress, created, job.message))
    if not sys.stdout.isatty():  # plain, untruncated columns for pipes and scripts
        for row in rows:
            print("\t".join(row))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("ID", "KIND", "STATE", "PROGRESS", "CREATED", "MESSAGE"):
        table.add_column(column, no_wrap=column != "MESSAGE")
    for row in rows:
        table.add_row(*row)
    Console(highlight=False, soft_wrap=True).print(table)
