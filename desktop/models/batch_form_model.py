"""The Batch view's restore form, Qt-free: defaults, limits and checks from the backend's description of
``restore_batch`` (``set_description``; this client's ``omni_core.jobkinds`` table until it arrives, checked with
the same ``ParamSpec.problem`` the backend runs), the model choices, and what the form submits: the
``restore_batch`` JobSpec, or, streamed from this machine to a remote backend, ``remote_request()`` as
``omni_core.batch.remote.RemoteRestore``.

The form speaks the CLI's language: tile 0 = whole images, overlap 0 = none, and ``FORM_AUTO_TILE`` (the
default, the CLI's "no --tile") = tiles as large as the backend's free memory holds for the model. The spec's
zero means "default", so ``spec()`` sends 0 for auto and -1 for whole images / no overlap.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from desktop.models.described_form import DescribedForm
from desktop.models.events import Event
from desktop.models.form_errors import FormInvalid
from omni_core.batch.params import AUTO_TILE, MIN_AUTO_SIDE, NO_OVERLAP, WHOLE_IMAGE, RestoreOptions
from omni_core.batch.remote import RemoteRestore
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
    #: each tile restored in its eight flips and turns, averaged (sent only to a backend that describes it)
    self_ensemble: bool = False

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


class BatchFormModel(DescribedForm[BatchFields]):
    def __init__(self, kind: JobKind = RESTORE_BATCH) -> None:
        super().__init__(kind, BatchFields.of)
        #: the backend runs on another machine: it cannot read our folders, so the run is streamed
        self.backend_remote = False
        self.described: Event[[]] = Event()  # limits, choices and defaults (the fields not edited) changed

    def described_fields(self) -> tuple[str, ...]:
        return DESCRIBED

    def _on_described(self) -> None:
        self.described.emit()

    def field_names(self) -> tuple[str, ...]:
        return FIELD_NAMES

    def spec_prefix(self) -> str:
        return "restore_batch."

    def server_field(self, name: str) -> str:
        return "model" if name in ("layer", "tier") else name  # the layer and tier are chosen with the model

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
            self_ensemble=f.self_ensemble and "self_ensemble" in self.kind.names(),
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
            self_ensemble=spec.self_ensemble,
        )
        return RemoteRestore(
            Path(spec.input), Path(spec.out), options, recursive=spec.recursive, overwrite=spec.overwrite
        )
