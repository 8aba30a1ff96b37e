"""Which registered model a batch uses, checked before it starts, and where its ONNX file is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backend.batch.precision import PrecisionFiles, present
from backend.registry import ModelRegistry, ModelVersion
from backend.storage.base import ArtifactStore
from backend.storage.local import LocalStore
from omni_core.errors import FailedPrecondition, InvalidArgument, NotFound
from omni_core.precision import AUTO, FP32, ROLES
from omni_core.tiers import FAST

CURRENT = "current"


@dataclass(frozen=True)
class ChosenModel:
    model: ModelVersion
    note: str  # how "current" was resolved, when that is worth saying

    @property
    def onnx_key(self) -> str:
        return self.model.files["onnx"]


def resolve_model(registry: ModelRegistry, model: str, layer: int, tier: str = "") -> ChosenModel:
    """The restoration version named by ``tier`` (its current), else by ``model`` (a version or "current") and
    ``layer`` (0 = 2).

    "current" is the promoted version of the layer, else its newest (and the note says so). A detector, a
    malformed or a missing version, a layer with no versions, or a version without an ONNX export is
    refused, naming ``model`` (or ``layer`` when it contradicts the version); a tier with no promoted version is
    FAILED_PRECONDITION naming it.
    """
    chosen: ModelVersion | None
    if tier:
        chosen = tier_current(registry, tier)
        note = ""
    elif model in ("", CURRENT):
        name = f"layer_{layer or 2}"
        chosen = registry.current(name)
        note = ""
        if chosen is None:
            versions = registry.list(layer=name)
            if not versions:
                raise NotFound(
                    f"model: no restoration model of {name} is registered; train one (omni train restoration "
                    f"--layer {layer or 2}) or name a version with --model"
                )
            chosen = versions[0]
            note = f"{name} has no promoted version; using its newest, {chosen.version}"
    else:
        try:
            chosen = registry.get(model)
        except InvalidArgument as error:
            raise InvalidArgument("model", error.reason) from None
        except NotFound:
            raise NotFound(f"model: no model version {model!r} (omni models list shows them)") from None
        if chosen.kind != "restoration":
            raise InvalidArgument("model", f"{model} is a {chosen.kind} model, not a restoration model")
        if layer and chosen.layer != f"layer_{layer}":
            raise InvalidArgument("layer", f"{model} is a {chosen.layer} model, not layer_{layer}")
        note = ""
    if "onnx" not in chosen.files:
        raise FailedPrecondition(f"{chosen.version} has no ONNX export to run", field="model")
    return ChosenModel(chosen, note)


def tier_current(registry: ModelRegistry, tier: str) -> ModelVersion:
    """The promoted version of ``tier``; FailedPrecondition saying how to make one when there is none."""
    chosen = registry.tier_current(tier)
    if chosen is None:
        layer = 1 if tier == FAST else 2
        raise FailedPrecondition(
            f"the {tier} tier has no current version; train one (omni train restoration --tier {tier} --layer "
            f"{layer} ...) and promote it (omni models promote VERSION), or promote a {tier} version already there",
            field="tier",
        )
    return chosen


def onnx_file(store: ArtifactStore, chosen: ChosenModel, scratch: Path, role: str = "onnx") -> Path:
    """A local path of the model's ONNX file of ``role``: the store's own file when it is local, else a download."""
    key = chosen.model.files[role]
    if isinstance(store, LocalStore):
        path = store.path_of(key)
        if path.is_file():
            return path
    target = scratch / f"{chosen.model.version}{role.removeprefix('onnx')}.onnx"
    if not target.is_file():
        store.get_file(key, target)
    return target


def precision_files(store: ArtifactStore, chosen: ChosenModel, scratch: Path, asked: str = AUTO) -> PrecisionFiles:
    """Local paths of the precisions a run may use, and the card's figures: for ``auto`` every one the model
    has, else fp32 (its memory figures size the tiles) and ``asked``."""
    wanted = present(chosen.model) if asked == AUTO else [FP32, asked]
    paths = {p: onnx_file(store, chosen, scratch, ROLES[p]) for p in dict.fromkeys(wanted)}
    card = chosen.model.card
    memory = card.get("memory")
    return PrecisionFiles(paths, dict(card.get("precisions") or {}), dict(memory) if isinstance(memory, dict) else {})


def selection_note(registry: ModelRegistry, chosen: ModelVersion) -> str:
    """What the log says about a version taken while its layer has no promoted one."""
    if registry.current_name(chosen.layer):
        return ""
    newest = registry.list(layer=chosen.layer)
    if newest and newest[0].version == chosen.version:
        return f"{chosen.layer} has no promoted version; using its newest, {chosen.version}"
    return f"{chosen.layer} has no promoted version"
