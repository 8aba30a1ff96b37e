"""Turn a selection into what a status, push or pull compares: plain prefixes, plus datasets.

A dataset travels as its images (content-addressed, the same bytes once, under ``training-data/images/``)
and a snapshot (``training-data/datasets/NAME.json``: classes, images, boxes, statuses) made from the local
database for the sync, and applied to it after a pull.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from backend.datasets.service import DatasetService
from backend.storage.s3 import S3Store
from backend.sync.hash_cache import HashCache
from backend.sync.selection import DATASETS, IMAGES, Selection
from backend.sync.status import Status, status
from backend.workspace import Workspace
from omni_core.errors import InvalidArgument, NotFound, shown


@dataclass
class Scope:
    prefixes: list[str]
    made: dict[str, bytes] = field(default_factory=dict)
    local_extra: dict[str, Path] = field(default_factory=dict)
    remote_extra: list[str] = field(default_factory=list)
    #: dataset names whose remote snapshot a pull applies
    datasets: list[str] = field(default_factory=list)
    #: when set, only these remote keys under ``remote_extra`` count (the images of the chosen datasets)
    remote_filter: set[str] | None = None


def _remote_snapshot_names(store: S3Store) -> list[str]:
    return sorted(
        entry.key.removeprefix(DATASETS).removesuffix(".json")
        for entry in store.entries(DATASETS)
        if entry.key.endswith(".json")
    )


def build_scope(workspace: Workspace, store: S3Store, selection: Selection) -> Scope:
    from backend.datasets.snapshot import build_snapshot, snapshot_key

    scope = Scope(prefixes=selection.prefixes())
    service = DatasetService.for_workspace(workspace)
    local_names = [record.name for record in service.list_datasets()]
    if selection.every_dataset:
        names = sorted(set(local_names) | set(_remote_snapshot_names(store)))
        scope.remote_extra = [DATASETS]
        for name in local_names:
            scope.made[snapshot_key(name)] = build_snapshot(service, name).to_bytes()
        scope.prefixes.append(IMAGES)
        scope.datasets = names
        return scope
    if not selection.datasets:
        return scope
    wanted: set[str] = set()
    for name in selection.datasets:
        found = False
        if name in local_names:
            snapshot = build_snapshot(service, name)
            scope.made[snapshot_key(name)] = snapshot.to_bytes()
            for key in snapshot.blob_keys():
                scope.local_extra[key] = workspace.root / key
            found = True
        if store.exists(snapshot_key(name)):
            wanted.add(snapshot_key(name))
            wanted.update(_blob_keys(store.get_bytes(snapshot_key(name)), name))
            found = True
        if not found:
            raise NotFound(f"datasets: no dataset {shown(name)} here or on the remote")
        scope.datasets.append(name)
    scope.remote_extra = [DATASETS, IMAGES]
    scope.remote_filter = wanted
    return scope


def _blob_keys(data: bytes, name: str) -> set[str]:
    try:
        images = json.loads(data)["images"]
        return {str(image["key"]) for image in images}
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument("datasets", f"the remote snapshot of {shown(name)} is not a dataset snapshot") from None


def scoped_status(workspace: Workspace, store: S3Store, selection: Selection) -> tuple[Scope, Status]:
    scope = build_scope(workspace, store, selection)
    result = status(
        store,
        workspace.root,
        HashCache(workspace.state_dir),
        scope.prefixes,
        made=scope.made,
        local_extra=scope.local_extra,
        remote_extra=scope.remote_extra,
        remote_filter=scope.remote_filter,
    )
    return scope, result
