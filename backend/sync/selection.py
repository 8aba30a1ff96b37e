"""What a sync covers, as key prefixes of the workspace, and which group each key belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from backend.registry.registry import CARD, CURRENT, TIERS_PREFIX, layer_of

MODELS = "models/"
REPORTS = "training-outputs/reports/"
CHECKPOINTS = "training-outputs/checkpoints/"
DATASETS = "training-data/datasets/"
IMAGES = "training-data/images/"


@dataclass(frozen=True)
class Selection:
    models: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    reports: bool = False
    checkpoints: bool = False
    all: bool = False
    all_models: bool = False
    all_datasets: bool = False

    @property
    def empty(self) -> bool:
        chosen = (self.models, self.datasets, self.reports, self.checkpoints, self.all, self.all_models)
        return not (any(chosen) or self.all_datasets)

    @property
    def every_model(self) -> bool:
        return self.all or self.empty or self.all_models

    @property
    def every_dataset(self) -> bool:
        return self.all or self.empty or self.all_datasets

    def prefixes(self) -> list[str]:
        """Key prefixes of the plain (file-for-object) part of the selection; datasets are planned apart."""
        prefixes: list[str] = []
        if self.every_model:
            prefixes.append(MODELS)
        else:
            prefixes += [f"{MODELS}{layer_of(version)}/{version}/" for version in self.models]
        if self.reports or self.all or self.empty:
            prefixes.append(REPORTS)
        if self.checkpoints or self.all:
            prefixes.append(CHECKPOINTS)
        return prefixes

    def describe(self) -> str:
        parts = []
        parts.append("every model" if self.every_model else f"models {', '.join(self.models)}" if self.models else "")
        if self.every_dataset:
            parts.append("every dataset")
        elif self.datasets:
            parts.append(f"datasets {', '.join(self.datasets)}")
        if self.reports or self.all or self.empty:
            parts.append("reports")
        if self.checkpoints or self.all:
            parts.append("checkpoints")
        return ", ".join(part for part in parts if part)


def synced(key: str) -> bool:
    """Keys a sync moves: not a layer's ``current.json`` nor a tier's pointer (the registry shares the promoted
    versions itself)."""
    parts = key.split("/")
    if key.startswith(TIERS_PREFIX):
        return False
    return not (key.startswith(MODELS) and len(parts) == 3 and parts[2] == CURRENT)


def group_of(key: str) -> str:
    parts = key.split("/")
    if key.startswith(MODELS) and len(parts) >= 4:
        return f"model {parts[2]}"
    if key.startswith(REPORTS) and len(parts) >= 4:
        return f"report {parts[2]}"
    if key.startswith(CHECKPOINTS) and len(parts) >= 4:
        return f"checkpoint {parts[2]}"
    if key.startswith(DATASETS):
        return f"dataset {parts[-1].removesuffix('.json')}"
    if key.startswith(IMAGES):
        return "dataset images"
    return parts[0]


def is_model_file(key: str) -> bool:
    """A file of a model version: immutable, so a difference is a conflict, never replaced."""
    return key.startswith(MODELS) and len(key.split("/")) >= 4


def card_last(key: str) -> tuple[int, str]:
    """Sort key that moves a version's card after its files and a dataset's snapshot after its images: what
    is listed (a version with a card, a dataset with a snapshot) is always whole."""
    manifest = key.endswith(f"/{CARD}") or key.startswith(DATASETS)
    return (1 if manifest else 0, key)
