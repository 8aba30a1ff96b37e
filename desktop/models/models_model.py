"""The Models view's state: the registry's versions, the layer filter, the selection and what it allows."""

from __future__ import annotations

import json
from typing import Any

from desktop.models.events import Event
from desktop.models.formatting import format_bytes, format_timestamp
from desktop.models.locations import (
    LOCATION_TIPS,
    RemoteListing,
    SyncTarget,
    located_items,
    location_text,
    location_tone,
    merge_local,
)
from desktop.models.table_rows import Row, Tone
from desktop.models.train_form import start_refusal
from protos.omni.v1 import models_pb2, storage_pb2

COLUMNS = ("Version", "Layer", "Tier", "Current", "Created", "Parameters", "Size", "PSNR", "SSIM", "MP/s", "Location")
LOCATION_COLUMN = COLUMNS.index("Location")
SPEED_COLUMN = COLUMNS.index("MP/s")
LAYER_FILTERS = {"": "All layers", "layer_1": "Layer 1", "layer_2": "Layer 2", "detector": "Detector"}
CURRENT_MARK = "● current"


def _created_key(model: models_pb2.ModelVersion) -> tuple[int, int, str]:
    return (model.created_at.seconds, model.created_at.nanos, model.version)


def model_row(model: models_pb2.ModelVersion) -> Row:
    metrics = model.metrics
    tones: tuple[Tone, ...] = (
        "mono", "", "", "current" if model.current else "", "", "", "", "", "", "", location_tone(model.location)
    )  # fmt: skip
    tooltips = {0: model.architecture} if model.architecture else {}
    if model.location in LOCATION_TIPS:
        tooltips[LOCATION_COLUMN] = LOCATION_TIPS[model.location]
    if speed := speed_tip(model.card_json):
        tooltips[SPEED_COLUMN] = speed
    return Row(
        key=model.version,
        cells=(
            model.version,
            model.layer,
            model.tier,
            CURRENT_MARK if model.current else "",
            format_timestamp(model.created_at),
            f"{model.parameters:,}" if model.parameters else "",
            format_bytes(model.size_bytes) if model.size_bytes else "",
            f"{metrics['psnr']:.2f} dB" if "psnr" in metrics else "",
            f"{metrics['ssim']:.4f}" if "ssim" in metrics else "",
            f"{metrics['mp_per_s']:.2f}" if "mp_per_s" in metrics else "",
            location_text(model.location),
        ),
        tones=tones,
        tooltips=tooltips,
    )


def speed_tip(card_json: str) -> str:
    """Where the card's speed was measured, e.g. "1024² on CPUExecutionProvider, 2 threads, Intel Xeon ..."."""
    try:
        speed = json.loads(card_json).get("speed") if card_json else None
    except (ValueError, AttributeError):
        return ""
    if not isinstance(speed, dict) or "mp_per_s" not in speed:
        return ""
    tip = (
        f"bare ONNX Runtime run over {speed.get('side', '?')}² px on {speed.get('provider', '?')}, "
        f"{speed.get('threads', '?')} threads, {speed.get('cpu', '?')}"
    )
    if isinstance(speed.get("parallel_mp_per_s"), int | float):
        streams = speed.get("streams", "?")
        tip += f"; {speed['parallel_mp_per_s']:.2f} MP/s with {streams} calls at once, as a batch runs on it"
    return tip


def pretty_json(value: Any, indent: int = 0) -> str:
    """Indented JSON, except that lists of plain values stay on one line (``"num_blocks": [1, 1, 1]``)."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(key)}: {pretty_json(item, indent + 2)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        items = [f"{inner}{pretty_json(item, indent + 2)}" for item in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value)


def card_text(model: models_pb2.ModelVersion) -> str:
    """The model card, pretty-printed (as sent if it is not JSON)."""
    try:
        return pretty_json(json.loads(model.card_json))
    except ValueError:
        return model.card_json


class ModelsModel:
    def __init__(self) -> None:
        self.models: list[models_pb2.ModelVersion] = []  # newest first, all layers
        self.loaded = False
        self.layer = ""  # the filter; "" = all
        self.selected: list[str] = []  # versions, in the order they were selected
        self.with_remote = False  # the rows say where each version lives (a remote is set and was listed)
        self.remote_note = ""  # why there are no locations, when a remote is set but could not be listed
        self.rows_changed: Event[[]] = Event()
        self.selection_changed: Event[[]] = Event()

    def set_models(self, models: list[models_pb2.ModelVersion]) -> None:
        """The local listing (the last known locations are kept until the next listing with them)."""
        if self.with_remote:
            models = merge_local(self.models, models, lambda model: model.version)
        self._set(models)

    def set_remote_listing(self, listing: RemoteListing) -> None:
        """A listing with ``include_remote``: every version here or on the remote, with its location."""
        self.remote_note = listing.note
        models, self.with_remote = located_items(listing, self.models, models_pb2.ModelVersion)
        self._set(models)

    def _set(self, models: list[models_pb2.ModelVersion]) -> None:
        self.models = sorted(models, key=_created_key, reverse=True)
        self.loaded = True
        self.rows_changed.emit()
        self._keep_selection()

    def clear(self) -> None:
        self.models, self.loaded, self.with_remote, self.remote_note = [], False, False, ""
        self.rows_changed.emit()
        self.select([])

    def set_layer(self, layer: str) -> None:
        if layer not in LAYER_FILTERS:
            raise ValueError(f"unknown layer {layer!r}")
        if layer != self.layer:
            self.layer = layer
            self.rows_changed.emit()
            self._keep_selection()

    def visible(self) -> list[models_pb2.ModelVersion]:
        return [model for model in self.models if not self.layer or model.layer == self.layer]

    def rows(self) -> list[Row]:
        return [model_row(model) for model in self.visible()]

    def model(self, version: str) -> models_pb2.ModelVersion | None:
        return next((model for model in self.models if model.version == version), None)

    # -- selection ------------------------------------------------------------------------------------

    def select(self, versions: list[str]) -> None:
        if versions != self.selected:
            self.selected = list(versions)
            self.selection_changed.emit()

    def _keep_selection(self) -> None:
        shown = {model.version for model in self.visible()}
        self.select([version for version in self.selected if version in shown])

    @property
    def single(self) -> models_pb2.ModelVersion | None:
        """The one selected version, if exactly one is."""
        return self.model(self.selected[0]) if len(self.selected) == 1 else None

    def can_promote(self) -> bool:
        single = self.single
        return single is not None and not single.current

    def can_delete(self) -> bool:
        single = self.single  # the server explains why the current version stays
        return single is not None and single.location != storage_pb2.LOCATION_REMOTE

    def fine_tune_target(self) -> str | None:
        """The one selected version, if a training run can start from it: a restoration model with PyTorch
        weights on this backend (a version only on the remote is pulled first)."""
        single = self.single
        if single is None or start_refusal(single) or single.location == storage_pb2.LOCATION_REMOTE:
            return None
        return single.version

    def sync_target(self) -> SyncTarget | None:
        """The one selected version, if Push or Pull applies to it."""
        single = self.single
        if single is None or not self.with_remote:
            return None
        target = SyncTarget("model", single.version, single.location)
        return target if target.action else None

    def can_compare(self) -> bool:
        return len(self.selected) == 2

    def compare_pair(self) -> tuple[str, str] | None:
        """The two selected versions as (older, newer), so a change reads as what the newer one did."""
        if len(self.selected) != 2:
            return None
        models = [self.model(version) for version in self.selected]
        if any(model is None for model in models):
            return None
        older, newer = sorted(models, key=_created_key)  # type: ignore[arg-type]
        return older.version, newer.version  # type: ignore[union-attr]
