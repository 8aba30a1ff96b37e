"""The Storage view's Sync panel: what to sync, what differs (``SyncStatus``), and the push or pull job.

A choice of categories maps onto ``SyncSelection``'s flags (``every_model``, ``every_dataset``, ``reports``,
``checkpoints``); nothing chosen is refused here, since an empty selection would mean the server's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from desktop.client.connection import TERMINAL_STATES
from desktop.models.events import Event
from desktop.models.formatting import format_bytes
from desktop.models.job_follow import JobFollow
from desktop.models.job_text import eta_text, percent_text, progress_fraction, state_text
from desktop.models.jobs_model import JobsModel
from desktop.models.table_rows import Row, Tone
from protos.omni.v1 import jobs_pb2, storage_pb2

CATEGORIES = ("models", "datasets", "reports", "checkpoints")
COLUMNS = ("State", "Key", "Group", "Local size", "Remote size")
STATE_TEXT: dict[int, tuple[str, Tone]] = {
    storage_pb2.SYNC_STATE_LOCAL_ONLY: ("local only", ""),
    storage_pb2.SYNC_STATE_REMOTE_ONLY: ("remote only", "muted"),
    storage_pb2.SYNC_STATE_SAME: ("same", "good"),
    storage_pb2.SYNC_STATE_DIFFERENT: ("different", "bad"),
}


class NothingToSync(ValueError):
    """Nothing is chosen (an empty selection would mean the server's default)."""


@dataclass
class SyncChoice:
    models: bool = True
    datasets: bool = True
    reports: bool = True
    checkpoints: bool = False

    def selection(self) -> storage_pb2.SyncSelection:
        if not any(getattr(self, name) for name in CATEGORIES):
            raise NothingToSync("Choose what to sync.")
        return storage_pb2.SyncSelection(
            every_model=self.models, every_dataset=self.datasets, reports=self.reports, checkpoints=self.checkpoints
        )


def entry_row(entry: storage_pb2.SyncEntry) -> Row:
    state, tone = STATE_TEXT.get(entry.state, ("?", ""))
    local = format_bytes(entry.local_size) if entry.state != storage_pb2.SYNC_STATE_REMOTE_ONLY else ""
    remote = format_bytes(entry.remote_size) if entry.state != storage_pb2.SYNC_STATE_LOCAL_ONLY else ""
    tips = {1: entry.key}
    if entry.local_sha256 or entry.remote_sha256:
        tips[0] = f"local SHA-256 {entry.local_sha256 or '—'}\nremote SHA-256 {entry.remote_sha256 or '—'}"
    return Row(key=entry.key, cells=(state, entry.key, entry.group, local, remote), tones=(tone, "mono"), tooltips=tips)


def status_summary(status: storage_pb2.SyncStatusResponse) -> str:
    """``"3 local only · 1 remote only · 40 same · 0 different (0.4 s)"``."""
    counts = (
        f"{status.local_only:,} local only · {status.remote_only:,} remote only · "
        f"{status.same:,} same · {status.different:,} different"
    )
    return f"{counts} ({status.seconds:.1f} s)" if status.seconds > 0 else counts


def sync_job_text(job: jobs_pb2.Job) -> str:
    """``"Push: 31% · 12.0 MiB of 38.5 MiB · 3.1 MiB/s · ETA 8s"``, or how it ended."""
    kind = job.spec.WhichOneof("spec") or job.kind
    spec = job.spec.sync_push if kind == "sync_push" else job.spec.sync_pull
    verb = "Push" if kind == "sync_push" else "Pull"
    name = f"{verb} (dry run)" if spec.dry_run else verb
    return f"{name}: {sync_progress_text(job)}"


def _count(outputs: Mapping[str, str], name: str) -> int:
    try:
        return int(outputs.get(name, "0"))
    except ValueError:
        return 0


def outcome_text(job: jobs_pb2.Job) -> str:
    """What a finished sync did, from its outputs: ``" · moved 3 objects (1.2 MiB) · 2 differ (kept)"``."""
    out = job.outputs
    parts = []
    if "moved" in out:
        parts.append(f"moved {_count(out, 'moved'):,} objects ({format_bytes(_count(out, 'bytes_moved'))})")
    elif "objects_to_move" in out:
        size = format_bytes(_count(out, "bytes_to_move"))
        parts.append(f"would move {_count(out, 'objects_to_move'):,} objects ({size})")
    elif job.progress.unit == "bytes" and job.progress.done:
        parts.append(f"{format_bytes(job.progress.done)} moved")
    if _count(out, "different"):
        parts.append(f"{_count(out, 'different'):,} differ (kept; tick Overwrite to replace)")
    if _count(out, "conflicts"):
        parts.append(f"{_count(out, 'conflicts'):,} conflicts")
    return "".join(f" · {part}" for part in parts)


def sync_progress_text(job: jobs_pb2.Job) -> str:
    """``"31% · 12.0 MiB of 38.5 MiB · 3.1 MiB/s · ETA 8s"`` while it runs; ``"succeeded · 38.5 MiB moved"``."""
    progress = job.progress
    if job.state in TERMINAL_STATES:
        why = f": {job.message}" if job.message else ""
        return f"{state_text(job)}{outcome_text(job)}{why}"
    if job.state == jobs_pb2.JOB_STATE_QUEUED:
        return "queued"
    parts: list[str] = []
    fraction = progress_fraction(job)
    if fraction is not None:
        parts.append(percent_text(fraction))
    if progress.unit == "bytes":
        total = f" of {format_bytes(progress.total)}" if progress.total > 0 else ""
        parts.append(f"{format_bytes(progress.done)}{total}")
        if progress.rate > 0:
            parts.append(f"{format_bytes(int(progress.rate))}/s")
    elif progress.total > 0:
        parts.append(f"{progress.done:,}/{progress.total:,} {progress.unit}".rstrip())
    eta = eta_text(job)
    if eta:
        parts.append(f"ETA {eta}")
    if progress.message:
        parts.append(progress.message)
    return " · ".join(parts) or "starting"


class SyncModel:
    """The choice, the last status and the job on screen."""

    def __init__(self, jobs: JobsModel) -> None:
        self.choice = SyncChoice()
        self.dry_run = False
        self.overwrite = False
        self.status: storage_pb2.SyncStatusResponse | None = None
        self.status_loading = False
        self.error = ""
        self.run = JobFollow(jobs)  # the push or pull on screen
        self.status_changed: Event[[]] = Event()

    # -- the choice -----------------------------------------------------------------------------------

    def set_category(self, name: str, chosen: bool) -> None:
        if name not in CATEGORIES:
            raise KeyError(f"unknown category {name!r}")
        setattr(self.choice, name, chosen)

    def spec(self, push: bool, selection: storage_pb2.SyncSelection) -> jobs_pb2.JobSpec:
        sync = storage_pb2.SyncSpec(selection=selection, dry_run=self.dry_run, overwrite=self.overwrite)
        return jobs_pb2.JobSpec(sync_push=sync) if push else jobs_pb2.JobSpec(sync_pull=sync)

    # -- status ---------------------------------------------------------------------------------------

    def status_started(self) -> None:
        self.status_loading, self.error = True, ""
        self.status_changed.emit()

    def set_status(self, status: storage_pb2.SyncStatusResponse) -> None:
        self.status, self.status_loading, self.error = status, False, ""
        self.status_changed.emit()

    def status_failed(self, message: str) -> None:
        self.status, self.status_loading, self.error = None, False, message
        self.status_changed.emit()

    def rows(self) -> list[Row]:
        if self.status is None:
            return []
        return [entry_row(e) for e in self.status.entries if e.state != storage_pb2.SYNC_STATE_SAME]

    def summary(self) -> str:
        if self.status_loading:
            return "Comparing the workspace with the remote…"
        if self.status is None:
            return ""
        return status_summary(self.status)

    # -- the job --------------------------------------------------------------------------------------

    def job_text(self) -> str:
        return sync_job_text(self.run.job) if self.run.job is not None else ""
