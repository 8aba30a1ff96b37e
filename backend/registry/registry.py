"""Model versions on the artifact store.

Layout (the prefixes of the first version of this system):

    models/<layer>/<version>/card.json        the model card (the version exists once this is written)
    models/<layer>/<version>/<files>          weights (.pt), ONNX export (.onnx), ...
    models/<layer>/current.json               {"version": ...}: the promoted version of that layer
    models/tiers/<tier>.json                  {"version": ...}: the promoted restoration version of a tier

``<layer>`` is ``layer_1``, ``layer_2`` or ``detector``; a version is ``<kind>_<layer>_<UTC timestamp>``,
e.g. ``restoration_layer2_20261123_181500``. The card is written last, so a version whose upload was
cut short is never listed. A restoration version belongs to a tier (``omni_core.tiers``, in its card);
promoting it makes it the current of its layer and of its tier.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend.storage.base import ArtifactStore
from omni_core.errors import FailedPrecondition, InvalidArgument, NotFound, shown
from omni_core.tiers import TIERS, tier_for_layer

LAYERS = ("layer_1", "layer_2", "detector")
CARD = "card.json"
CURRENT = "current.json"
TIERS_PREFIX = "models/tiers/"
VERSION_PATTERN = re.compile(r"^(restoration_layer[12]|detector)_\d{8}_\d{6}(_\d+)?$")


@dataclass
class ModelVersion:
    version: str
    layer: str
    card: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)  # role -> store key
    current: bool = False

    @property
    def kind(self) -> str:
        return "detector" if self.layer == "detector" else "restoration"

    @property
    def created_at(self) -> float:
        return float(self.card.get("created_at", 0.0))

    @property
    def metrics(self) -> dict[str, float]:
        return dict(self.card.get("metrics", {}))

    @property
    def tier(self) -> str:
        """The card's tier; a version from before tiers takes its layer's; "" for a detector."""
        if self.kind != "restoration":
            return ""
        return str(self.card.get("tier") or tier_for_layer(self.layer))


def layer_of(version: str) -> str:
    if not VERSION_PATTERN.match(version):
        raise InvalidArgument(
            "version", f"{shown(version)} is not a model version (e.g. restoration_layer2_20261123_181500)"
        )
    if version.startswith("detector"):
        return "detector"
    return "layer_1" if version.startswith("restoration_layer1") else "layer_2"


def current_key(layer: str) -> str:
    return f"models/{layer}/{CURRENT}"


def tier_key(tier: str) -> str:
    return f"{TIERS_PREFIX}{tier}.json"


def check_tier(tier: str, field: str = "tier") -> str:
    if tier not in TIERS:
        raise InvalidArgument(field, f"{shown(tier)} is not a tier ({', '.join(TIERS)})")
    return tier


def version_prefix(layer: str) -> str:
    return "detector" if layer == "detector" else f"restoration_{layer.replace('_', '')}"


class ModelRegistry:
    def __init__(self, store: ArtifactStore) -> None:
        self.store = store

    # -- writing ------------------------------------------------------------------------------------

    def new_version_name(self, layer: str, at: float | None = None) -> str:
        self._check_layer(layer)
        stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime(time.time() if at is None else at))
        base = f"{version_prefix(layer)}_{stamp}"
        name, n = base, 1
        while self.store.exists(f"models/{layer}/{name}/{CARD}"):
            n += 1
            name = f"{base}_{n}"
        return name

    def register(
        self, layer: str, files: Mapping[str, Path], card: dict[str, Any], *, version: str | None = None
    ) -> ModelVersion:
        """Upload ``files`` (role -> local path), then the card; return the new version."""
        name = version or self.new_version_name(layer)
        if layer_of(name) != layer:
            raise InvalidArgument("version", f"{shown(name)} does not belong to {layer}")
        keys: dict[str, str] = {}
        sizes: dict[str, int] = {}
        checksums: dict[str, str] = {}
        for role, path in files.items():
            key = f"models/{layer}/{name}/{Path(path).name}"
            info = self.store.put_file(key, Path(path))
            keys[role], sizes[role], checksums[role] = key, info.size, info.sha256
        full_card = {
            **card,
            "version": name,
            "layer": layer,
            "kind": "detector" if layer == "detector" else "restoration",
            "created_at": card.get("created_at", time.time()),
            "files": keys,
            "file_sizes": sizes,
            "sha256": checksums,
            "size_bytes": sum(sizes.values()),
        }
        self.store.put_bytes(f"models/{layer}/{name}/{CARD}", json.dumps(full_card, indent=2).encode())
        return ModelVersion(name, layer, full_card, keys, current=self.current_name(layer) == name)

    def promote(self, version: str) -> ModelVersion:
        """Make ``version`` the current of its layer and, for a restoration version, of its tier."""
        model = self.get(version)
        for key in self.pointer_keys(model):
            self._write_pointer(key, version)
        model.current = True
        return model

    @staticmethod
    def pointer_keys(model: ModelVersion) -> list[str]:
        """The keys that name ``model`` once it is promoted."""
        return [current_key(model.layer)] + ([tier_key(model.tier)] if model.tier else [])

    def delete(self, version: str) -> None:
        model = self.get(version)
        if model.current:
            raise FailedPrecondition(f"{version} is the current model of {model.layer}; promote another version first")
        if model.tier and self.tier_current_name(model.tier) == version:
            raise FailedPrecondition(
                f"{version} is the current model of the {model.tier} tier; promote another version first"
            )
        self.store.delete(f"models/{model.layer}/{version}/{CARD}")  # unlisted from here on
        for key in list(self.store.keys(f"models/{model.layer}/{version}/")):
            self.store.delete(key)

    # -- reading ------------------------------------------------------------------------------------

    def current_name(self, layer: str) -> str:
        return self._read_pointer(current_key(layer))

    def tier_current_name(self, tier: str) -> str:
        return self._read_pointer(tier_key(check_tier(tier)))

    def tier_current(self, tier: str) -> ModelVersion | None:
        """The promoted version of ``tier``, or None when none has been promoted."""
        name = self.tier_current_name(tier)
        return self.get(name) if name else None

    def _read_pointer(self, key: str) -> str:
        if not self.store.exists(key):
            return ""
        try:
            return str(json.loads(self.store.get_bytes(key))["version"])
        except (ValueError, KeyError):
            return ""

    def _write_pointer(self, key: str, version: str) -> None:
        self.store.put_bytes(key, json.dumps({"version": version}).encode())

    def get(self, version: str) -> ModelVersion:
        layer = layer_of(version)
        key = f"models/{layer}/{version}/{CARD}"
        if not self.store.exists(key):
            raise NotFound(f"no model version {shown(version)}")
        card = json.loads(self.store.get_bytes(key))
        return ModelVersion(
            version, layer, card, dict(card.get("files", {})), current=self.current_name(layer) == version
        )

    def list(self, *, kind: str = "", layer: str = "") -> list[ModelVersion]:
        """Versions newest first, filtered by kind ("restoration"/"detector") and/or layer."""
        if layer:
            self._check_layer(layer)
        layers = [layer] if layer else list(LAYERS)
        if kind:
            if kind not in ("restoration", "detector"):
                raise InvalidArgument("kind", f"{shown(kind)} is not a model kind (restoration, detector)")
            layers = [item for item in layers if (item == "detector") == (kind == "detector")]
        versions = []
        for item in layers:
            current = self.current_name(item)
            for key in self.store.keys(f"models/{item}/"):
                parts = key.split("/")
                if len(parts) == 4 and parts[3] == CARD:
                    card = json.loads(self.store.get_bytes(key))
                    versions.append(
                        ModelVersion(parts[2], item, card, dict(card.get("files", {})), parts[2] == current)
                    )
        return sorted(versions, key=lambda v: (v.created_at, v.version), reverse=True)

    def current(self, layer: str) -> ModelVersion | None:
        name = self.current_name(layer)
        return self.get(name) if name else None

    def previous(self, layer: str, before: str = "") -> ModelVersion | None:
        """What a new version of ``layer`` is compared with: the current one, else the newest other."""
        current = self.current(layer)
        if current is not None and current.version != before:
            return current
        for model in self.list(layer=layer):
            if model.version != before:
                return model
        return None

    def compare(self, a: str, b: str) -> dict[str, Any]:
        """Metrics side by side with the change from ``a`` to ``b`` (b - a)."""
        first, second = self.get(a), self.get(b)
        names = sorted(set(first.metrics) | set(second.metrics))
        metrics = {
            name: {
                "a": first.metrics.get(name),
                "b": second.metrics.get(name),
                "change": (second.metrics[name] - first.metrics[name])
                if name in first.metrics and name in second.metrics
                else None,
            }
            for name in names
        }
        fields = ("architecture", "parameters", "size_bytes", "data_fingerprint", "parent_version")
        return {
            "a": a,
            "b": b,
            "metrics": metrics,
            "cards": {name: {"a": first.card.get(name), "b": second.card.get(name)} for name in fields},
        }

    @staticmethod
    def _check_layer(layer: str) -> None:
        if layer not in LAYERS:
            raise InvalidArgument("layer", f"{shown(layer)} is not a layer ({', '.join(LAYERS)})")
