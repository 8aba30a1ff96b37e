"""The Batch view's state, Qt-free: the restore form (defaults and checks that mirror the server's
``omni_core/batch/params.py``), the ``restore_batch`` JobSpec it submits, and a run followed from its job
updates (progress, images/s, ETA) and its events: one ``item`` event (``omni.v1.ItemOutcome``) per file
says what became of it, restored, failed or skipped, and that is where the lists of finished and failed files
come from. Log lines and progress messages are for people; nothing here reads them.

A run can also be streamed from this machine (always against a remote backend): ``remote_request()`` is the
form as ``omni_core.batch.remote.RemoteRestore``, which the view runs in-process on a worker thread; what that
run hears feeds the same run model, typed (``start_remote``, ``apply_stream_ready``, ``apply_stream_progress``,
``apply_item``, ``apply_log``, ``stream_ended``).

The form speaks the CLI's language: tile 0 = whole images, overlap 0 = none, and ``FORM_AUTO_TILE`` (the
default, the CLI's "no --tile") = tiles as large as the backend's free memory holds for the model. The spec's
zero means "default", so ``spec()`` sends 0 for auto and -1 for whole images / no overlap. Limits, choices and
defaults are the backend's description of ``restore_batch`` (``set_description``; this client's
``omni_core.jobkinds`` table until it arrives), checked with the same ``ParamSpec.problem`` the backend runs.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.client.connection import TERMINAL_STATES
from desktop.models.events import Event
from desktop.models.form_errors import FormErrors, FormInvalid
from desktop.models.formatting import format_duration, format_rate
from desktop.models.job_text import item_failed, percent_text
from omni_core.batch.formats import SUMMARY_TEXT, output_name
from omni_core.batch.params import AUTO_TILE, MIN_AUTO_SIDE, NO_OVERLAP, WHOLE_IMAGE, RestoreOptions
from omni_core.batch.remote import STOPPED_MESSAGE, ProgressView, RemoteRestore
from omni_core.batch.summary import BatchSummary
from omni_core.jobkinds import RESTORE_BATCH, JobKind, ParamSpec
from omni_core.tiers import TIERS
from protos.omni.v1 import batch_pb2, jobs_pb2, models_pb2

KIND = RESTORE_BATCH.name
#: the form's "auto" tile (the spec's ``AUTO_TILE``, 0, is the form's "whole images"): the backend plans tiles
#: from the model's memory per pixel and the device's free memory
FORM_AUTO_TILE = -1
#: the spec's special tile and overlap values -> the form's
TILE_IN_FORM = {AUTO_TILE: FORM_AUTO_TILE, WHOLE_IMAGE: 0}
OVERLAP_IN_FORM = {NO_OVERLAP: 0}
#: the job output (and streamed summary field) named as ``BatchCounts.subfolders_not_entered`` in the contract
SUBFOLDERS_NOT_ENTERED = batch_pb2.BatchCounts.DESCRIPTOR.fields_by_name["subfolders_not_entered"].name
CURRENT = "current"


@dataclass
class BatchFields:
    """The form's values, named as in ``RestoreBatchSpec``; tile/overlap 0 = whole images / none, tile -1 = auto."""

    input: str = ""
    out: str = ""
    model: str = CURRENT  # a version, or "current" (the promoted version of ``layer``, else its newest)
    layer: int = 2  # used with "current" only
    tier: str = ""  # "fast" | "quality": the tier's current version instead of model and layer; "" = none
    recursive: bool = False
    tile: int = TILE_IN_FORM[RESTORE_BATCH["tile"].int_default]
    overlap: int = RESTORE_BATCH["overlap"].int_default
    format: str = RESTORE_BATCH["format"].str_default
    quality: int = RESTORE_BATCH["quality"].int_default
    overwrite: bool = False  # redo outputs that exist (default: resume)
    stream: bool = False  # stream the images from this machine (the CLI's --remote); forced for remote backends
    #: which export of the version runs (auto | fp32 | fp16 | int8); "" = the backend's default (one older than
    #: precisions has no such parameter)
    precision: str = RESTORE_BATCH["precision"].str_default

    @classmethod
    def of(cls, kind: JobKind) -> BatchFields:
        """The described defaults, in the form's words."""
        return cls(
            tile=in_form(TILE_IN_FORM, kind["tile"].int_default),
            overlap=in_form(OVERLAP_IN_FORM, kind["overlap"].int_default),
            format=kind["format"].str_default,
            quality=kind["quality"].int_default,
            precision=kind["precision"].str_default if "precision" in kind.names() else "",
        )


FIELD_NAMES = tuple(f.name for f in dataclasses.fields(BatchFields))
#: the fields whose defaults the description gives
DESCRIBED = ("tile", "overlap", "format", "quality", "precision")


def in_form(words: dict[int, int], value: int) -> int:
    """A spec value in the form's words (``TILE_IN_FORM``, ``OVERLAP_IN_FORM``)."""
    return words.get(value, value)


def in_spec(words: dict[int, int], value: int) -> int:
    """A form value as the spec's."""
    return next((spec for spec, form in words.items() if form == value), value)


def plain_range(param: ParamSpec) -> str:
    """The range of ``param`` without its special values (the form names its own), e.g. ``between 64 and 8192``."""
    return dataclasses.replace(param, specials=()).range_text()


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def absolute(path: str) -> Path:
    return Path(path.strip()).expanduser().resolve()


def check_fields(f: BatchFields, kind: JobKind = RESTORE_BATCH) -> dict[str, str]:
    """Field -> message for every value the server would refuse, with the server's wording (in the form's words
    for tile and overlap)."""
    errors: dict[str, str] = {}
    for name in ("input", "out"):
        if not getattr(f, name).strip():
            errors[name] = "a folder is required"
    if "input" not in errors and "out" not in errors:
        source, out = absolute(f.input), absolute(f.out)
        if source == out:
            errors["out"] = "must not be the input folder"
        elif f.recursive and _inside(out, source):
            errors["out"] = "must not be inside the input folder with recursive (the run would read its outputs)"
    if f.tier and (problem := kind.problem("tier", f.tier)):
        errors["model"] = f"tier {problem}"
    elif not f.model.strip():
        errors["model"] = "choose a model version or current"
    elif f.model.strip() == CURRENT and (problem := kind.problem("layer", f.layer)):
        errors["model"] = f"layer {problem}"
    if kind.problem("tile", in_spec(TILE_IN_FORM, f.tile)):
        errors["tile"] = f"must be {plain_range(kind['tile'])} px, auto, or 0 for whole images; got {f.tile}"
    if f.overlap < 0:
        errors["overlap"] = f"must not be negative, got {f.overlap}"
    elif kind.problem("overlap", in_spec(OVERLAP_IN_FORM, f.overlap)):
        errors["overlap"] = f"must be {plain_range(kind['overlap'])} px (0 = none), got {f.overlap}"
    elif f.tile == FORM_AUTO_TILE and 2 * f.overlap >= MIN_AUTO_SIDE:
        errors["overlap"] = f"must be under half the smallest automatic tile ({MIN_AUTO_SIDE} px), got {f.overlap}"
    elif f.tile > 0 and "tile" not in errors and 2 * f.overlap >= f.tile:
        errors["overlap"] = f"must be under half the tile ({f.tile} px), got {f.overlap}"
    for name in ("format", "quality"):
        if problem := kind.problem(name, getattr(f, name)):
            errors[name] = problem
    if f.precision and "precision" in kind.names() and (problem := kind.problem("precision", f.precision)):
        errors["precision"] = problem
    return errors


@dataclass(frozen=True)
class ModelChoice:
    label: str
    model: str
    layer: int
    tier: str = ""


def card_domain(card_json: str) -> str:
    """The domain a model card records (photo, document), ``unknown`` for older or unreadable cards."""
    try:
        card = json.loads(card_json) if card_json else {}
    except ValueError:
        return "unknown"
    domain = card.get("domain") if isinstance(card, dict) else None
    return domain if domain in ("photo", "document") else "unknown"


def _current_domain(models: list[models_pb2.ModelVersion], layer: int) -> str:
    """The label's tail naming the domain of the version "current" of ``layer`` resolves to (promoted, else the
    newest listed; the list is newest first), e.g. ", photo"; empty when the layer has no version."""
    mine = [v for v in models if v.layer == f"layer_{layer}" and (not v.kind or v.kind == "restoration")]
    chosen = next((v for v in mine if v.current), mine[0] if mine else None)
    return f", {card_domain(chosen.card_json)}" if chosen is not None else ""


def model_choices(models: list[models_pb2.ModelVersion], tiers: tuple[str, ...] = TIERS) -> list[ModelChoice]:
    """The "current" of layer 2 (the default), of layer 1, the current of each tier, then every restoration
    version, newest first."""
    choices = [
        ModelChoice(f"Current of layer {layer} (promoted, else newest){_current_domain(models, layer)}", CURRENT, layer)
        for layer in (2, 1)
    ]
    choices += [ModelChoice(f"Current {tier} (the {tier} tier's promoted version)", CURRENT, 0, tier) for tier in tiers]
    for version in models:
        if version.kind and version.kind != "restoration":
            continue
        mark = " ★" if version.current else ""
        domain = card_domain(version.card_json)
        tier = f", {version.tier}" if version.tier else ""
        choices.append(ModelChoice(f"{version.version} ({version.layer}{tier}, {domain}){mark}", version.version, 0))
    return choices


class BatchFormModel(FormErrors):
    def __init__(self, kind: JobKind = RESTORE_BATCH) -> None:
        super().__init__()
        self.kind = kind  # this client's table until the backend's description arrives
        self.fields = BatchFields.of(kind)
        self._edited: set[str] = set()
        #: the backend runs on another machine: it cannot read our folders, so the run is streamed
        self.backend_remote = False
        self.changed: Event[[]] = Event()
        self.described: Event[[]] = Event()  # limits, choices and defaults (the fields not edited) changed

    def set_description(self, kind: JobKind) -> None:
        """The backend's parameters: its limits and choices hold from now on; fields not edited take its defaults."""
        self.kind = kind
        described = BatchFields.of(kind)
        for name in DESCRIBED:
            if name not in self._edited:
                setattr(self.fields, name, getattr(described, name))
        self.described.emit()
        self.changed.emit()

    def field_names(self) -> tuple[str, ...]:
        return FIELD_NAMES

    def spec_prefix(self) -> str:
        return "restore_batch."

    def server_field(self, name: str) -> str:
        return "model" if name in ("layer", "tier") else name  # the layer and tier are chosen with the model

    def set(self, name: str, value: Any) -> None:
        """Set one field; its error goes away until the next check."""
        if name not in FIELD_NAMES:
            raise KeyError(f"BatchFields has no field {name!r}")
        if getattr(self.fields, name) == value:
            return
        setattr(self.fields, name, value)
        self._edited.add(name)
        self._clear_error(name)
        self.changed.emit()

    def set_backend_remote(self, remote: bool) -> None:
        if remote != self.backend_remote:
            self.backend_remote = remote
            self.changed.emit()

    @property
    def streamed(self) -> bool:
        """Start streams the images from this machine (``restore_remote`` in-process), not a job."""
        return self.fields.stream or self.backend_remote

    def tiers(self) -> tuple[str, ...]:
        """The tiers the backend describes (none from a backend older than tiers)."""
        return self.kind["tier"].choices if "tier" in self.kind.names() else ()

    def choose_model(self, choice: ModelChoice) -> None:
        self.set("model", choice.model)
        self.set("tier", choice.tier)
        if choice.layer:
            self.set("layer", choice.layer)

    def validate(self) -> dict[str, str]:
        errors = check_fields(self.fields, self.kind)
        self._set_errors(errors, "")
        return errors

    def spec(self) -> batch_pb2.RestoreBatchSpec:
        """The spec with absolute paths (the backend on this machine resolves relative ones in its workspace)."""
        f = self.fields
        model = f.model.strip() or CURRENT
        return batch_pb2.RestoreBatchSpec(
            input=str(absolute(f.input)),
            out=str(absolute(f.out)),
            model=model,
            layer=f.layer if model == CURRENT and not f.tier else 0,
            tier=f.tier,
            recursive=f.recursive,
            tile=in_spec(TILE_IN_FORM, f.tile),
            overlap=in_spec(OVERLAP_IN_FORM, f.overlap),
            format=f.format,
            quality=f.quality,
            overwrite=f.overwrite,
            precision=f.precision,
        )

    def job_spec(self) -> jobs_pb2.JobSpec:
        errors = self.validate()
        if errors:
            raise FormInvalid(errors)
        return jobs_pb2.JobSpec(restore_batch=self.spec())

    def remote_request(self) -> RemoteRestore:
        """The form as a streamed run (the same spec a job gets, read here and written here)."""
        errors = self.validate()
        if errors:
            raise FormInvalid(errors)
        spec = self.spec()
        options = RestoreOptions(
            model=spec.model,
            layer=spec.layer,
            tile=spec.tile,
            overlap=spec.overlap,
            format=spec.format,
            quality=spec.quality,
            tier=spec.tier,
            precision=spec.precision,
        )
        return RemoteRestore(
            Path(spec.input), Path(spec.out), options, recursive=spec.recursive, overwrite=spec.overwrite
        )


#: the end states of a streamed run (``BatchSummary.state``) as job states
STREAM_END_STATES = {
    "finished": jobs_pb2.JOB_STATE_SUCCEEDED,
    "stopped": jobs_pb2.JOB_STATE_CANCELLED,
    "failed": jobs_pb2.JOB_STATE_FAILED,
}
STREAMED = "restore (streamed)"  # the run's id when it is streamed (no job on the backend)


@dataclass
class BatchRunModel:
    """One restore_batch run on screen: progress from job updates, finished and failed files from item events.

    A streamed run has no backend job: its id is ``STREAMED`` and what it hears arrives typed from the run in
    this process (progress views, item outcomes, log lines, then its summary)."""

    job_id: str = ""
    input: str = ""
    out: str = ""
    format: str = "same"
    recursive: bool = False
    state: int = jobs_pb2.JOB_STATE_UNSPECIFIED
    message: str = ""
    done: int = 0
    total: int = 0
    rate: float = 0.0
    eta_seconds: float = -1.0
    finished: list[str] = field(default_factory=list)  # files done (restored, failed, restored before), in order
    failures: list[jobs_pb2.ItemOutcome] = field(default_factory=list)
    #: input -> output (under OUT) of every file with one, as its item said
    item_outputs: dict[str, str] = field(default_factory=dict)
    #: warnings of the run that are not an image's failure (e.g. inputs that look like the other domain)
    warnings: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    last_seq: int = 0
    #: a streamed run lost its connection and is trying again ("" while it is connected)
    reconnecting: str = ""

    def __post_init__(self) -> None:
        self.changed: Event[[]] = Event()  # progress or state
        self.failure_added: Event[[jobs_pb2.ItemOutcome]] = Event()
        self.file_finished: Event[[str]] = Event()
        self.reset: Event[[]] = Event()

    def start(self, job: jobs_pb2.Job) -> None:
        """Follow ``job`` from scratch."""
        spec = job.spec.restore_batch
        self.job_id, self.input, self.out = job.id, spec.input, spec.out
        self.format = spec.format or "same"
        self.recursive = spec.recursive
        self._begin(job.state, job.message)
        self.apply_job(job)

    def start_remote(self, input: str, out: str, format: str, recursive: bool) -> None:
        """Follow a run streamed from this machine, from scratch (it is running)."""
        self.job_id, self.input, self.out = STREAMED, input, out
        self.format, self.recursive = format or "same", recursive
        self._begin(jobs_pb2.JOB_STATE_RUNNING, "")
        self.changed.emit()

    def _begin(self, state: int, message: str) -> None:
        self.state, self.message = state, message
        self.done = self.total = 0
        self.rate, self.eta_seconds = 0.0, -1.0
        self.finished, self.failures, self.outputs, self.last_seq = [], [], {}, 0
        self.item_outputs = {}
        self.warnings = []
        self.reconnecting = ""
        self.reset.emit()

    @property
    def streamed(self) -> bool:
        return self.job_id == STREAMED

    # -- updates --------------------------------------------------------------------------------------

    def apply_job(self, job: jobs_pb2.Job) -> None:
        if job.id != self.job_id:
            return
        self.state, self.message = job.state, job.message
        self.outputs = dict(job.outputs)
        if job.progress.total or job.progress.done:
            self._progress(job.progress)
        self.changed.emit()

    def apply_event(self, event: jobs_pb2.JobEvent) -> None:
        if (event.job_id and event.job_id != self.job_id) or (event.seq and event.seq <= self.last_seq):
            return
        self.last_seq = max(self.last_seq, event.seq)
        kind = event.WhichOneof("payload")
        if kind == "progress":
            self._progress(event.progress)
            self.changed.emit()
        elif kind == "item":
            self._item(event.item)
        elif kind == "log" and event.log.level == jobs_pb2.LogLine.LEVEL_WARNING:
            self._warning(event.log.message)

    def apply_stream_progress(self, view: ProgressView) -> None:
        """A streamed run finished one more image."""
        if not self.streamed or not self.active:
            return
        self.reconnecting = ""
        progress = jobs_pb2.Progress(
            done=view.done, total=view.total, rate=view.rate, eta_seconds=view.eta_seconds, unit="images"
        )
        self._progress(progress)
        self.changed.emit()

    def apply_stream_ready(self, ready: batch_pb2.RestoreStreamReady) -> None:
        """The backend is ready to restore a streamed run: which export of the version runs, and why."""
        if self.streamed and self.active and ready.precision:
            self.outputs |= {"precision": ready.precision, "precision_reason": ready.precision_reason}
            self.changed.emit()

    def apply_item(self, item: jobs_pb2.ItemOutcome) -> None:
        """What became of one file of a streamed run."""
        if self.streamed and self.active:
            self._item(item)

    def apply_log(self, message: str, level: str) -> None:
        """A log line of a streamed run: warnings are shown, the rest is for the log."""
        if self.streamed and self.active and level == "warning":
            self._warning(message)

    def stream_reconnecting(self, error: str) -> None:
        """The streamed run's connection broke; it is waiting to stream the rest again."""
        if self.streamed and self.active:
            self.reconnecting = f"connection lost ({error}); reconnecting…"
            self.changed.emit()

    def stream_ended(self, summary: BatchSummary | None, error: str = "") -> None:
        """The streamed run is over: its summary (finished, stopped or failed), or the error it raised."""
        if not self.streamed or not self.active:
            return
        self.reconnecting = ""
        if summary is None:
            self.state, self.message = jobs_pb2.JOB_STATE_FAILED, error
        else:
            self.state = STREAM_END_STATES.get(summary.state, jobs_pb2.JOB_STATE_FAILED)
            self.message = STOPPED_MESSAGE if summary.state == "stopped" else summary.message
            counts = summary.counts()
            values = {
                "restored": counts.restored,
                "failed": counts.failed,
                SUBFOLDERS_NOT_ENTERED: counts.subfolders_not_entered,
                "model_domain": summary.model_domain,
                "domain_warning": summary.domain_warning,
                "precision": summary.precision,  # the export that ran and why, as the ready message said
                "precision_reason": summary.precision_reason,
            }
            self.outputs = {name: str(value) for name, value in values.items() if value not in ("", 0)}
        self.changed.emit()

    def _item(self, item: jobs_pb2.ItemOutcome) -> None:
        """A failure is listed as one (first) and as a finished file; a file skipped on purpose only when it
        has an output to show (restored by an earlier run), not when it is no image at all."""
        if item.skipped and not item.output:
            return
        if item.output:
            self.item_outputs[item.input] = item.output
        if item_failed(item) and all(failure.input != item.input for failure in self.failures):
            self.failures.append(item)
            self.failure_added.emit(item)
        if item.input not in self.finished:
            self.finished.append(item.input)
            self.file_finished.emit(item.input)

    def _warning(self, message: str) -> None:
        if message and message not in self.warnings:
            self.warnings.append(message)
            self.changed.emit()

    @property
    def model_domain(self) -> str:
        """What the run's model was trained for, once the run has said (empty before)."""
        return self.outputs.get("model_domain", "")

    @property
    def domain_warning(self) -> str:
        return self.outputs.get("domain_warning", "")

    def precision_text(self) -> str:
        """``"int8 (asked for)"``: the export of the version that ran and why, once the run has said (empty before;
        a backend older than precisions never says)."""
        precision = self.outputs.get("precision", "")
        reason = self.outputs.get("precision_reason", "")
        return f"{precision} ({reason})" if precision and reason else precision

    def _progress(self, progress: jobs_pb2.Progress) -> None:
        if progress.done < self.done and progress.total == self.total:
            return  # an older snapshot than an event already seen
        self.done, self.total = progress.done, progress.total
        self.rate, self.eta_seconds = progress.rate, progress.eta_seconds

    # -- reading --------------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return bool(self.job_id) and self.state not in TERMINAL_STATES

    @property
    def fraction(self) -> float | None:
        if self.state == jobs_pb2.JOB_STATE_SUCCEEDED:
            return 1.0
        return min(1.0, self.done / self.total) if self.total > 0 else None

    def restored(self) -> list[str]:
        """The files restored so far (finished and not failed), in the order they finished."""
        failed = {failure.input for failure in self.failures}
        return [name for name in self.finished if name not in failed]

    def progress_text(self) -> str:
        """``"40% · 2/5 images · 3.1 images/s · ETA 1s"``."""
        if not self.job_id:
            return ""
        fraction = self.fraction
        parts = [percent_text(fraction)] if fraction is not None else []
        parts.append(f"{self.done}/{self.total} images" if self.total else f"{self.done} images")
        if self.state == jobs_pb2.JOB_STATE_RUNNING:
            rate = format_rate(self.rate, "images")
            if rate:
                parts.append(rate)
            if self.eta_seconds >= 0 and self.total:
                parts.append(f"ETA {format_duration(self.eta_seconds)}")
        return " · ".join(parts)

    @property
    def subfolders_not_entered(self) -> int:
        """Subfolders of IN the run did not read (it was not recursive), once the backend has said so."""
        try:
            return max(0, int(self.outputs.get(SUBFOLDERS_NOT_ENTERED, "0") or 0))
        except ValueError:
            return 0

    def subfolders_text(self) -> str:
        """``"2 subfolders not entered: tick Recursive to restore their images"``, or "" when none."""
        count = self.subfolders_not_entered
        if not count:
            return ""
        noun = "subfolder" if count == 1 else "subfolders"
        return f"{count} {noun} not entered: tick Recursive to restore their images"

    def paths_of(self, relative: str) -> tuple[Path, Path]:
        """(input file, output file) of a file named as in the run's events (the output its item named)."""
        output = self.item_outputs.get(relative) or output_name(relative, self.format)
        return Path(self.input) / relative, Path(self.out) / output

    def summary_path(self) -> Path | None:
        """The plain-text summary in OUT (written at the end, also for failed or cancelled runs)."""
        text = self.outputs.get("summary_text")
        if text:
            return Path(text)
        return Path(self.out) / SUMMARY_TEXT if self.out else None
