"""Where each dataset lives: local, remote (its snapshot pushed by someone), both (same snapshot) or differs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from backend.datasets.records import DatasetRecord
from backend.datasets.service import DatasetService
from backend.datasets.snapshot import Snapshot, build_snapshot, parse_snapshot, snapshot_key
from backend.registry.shared import BOTH, DIFFERS, LOCAL, REMOTE
from backend.storage.s3 import S3Store
from backend.sync.selection import DATASETS
from omni_core.errors import NotFound


@dataclass(frozen=True)
class LocatedDataset:
    record: DatasetRecord
    location: str


def _record_of(snapshot: Snapshot) -> DatasetRecord:
    """What the Datasets view shows of a dataset that exists only on the remote."""
    statuses = Counter(image.status.label for image in snapshot.images)
    updated = max((image.updated_at for image in snapshot.images), default=0.0)
    return DatasetRecord(
        name=snapshot.name,
        classes=snapshot.classes,
        image_count=len(snapshot.images),
        images_by_status=dict(statuses),
        box_count=sum(len(image.boxes) for image in snapshot.images),
        created_at=0.0,
        updated_at=updated,
    )


def dataset_locations(service: DatasetService, store: S3Store) -> list[LocatedDataset]:
    local = {record.name: record for record in service.list_datasets()}
    remote_names = {
        entry.key.removeprefix(f"{DATASETS}").removesuffix(".json")
        for entry in store.entries(DATASETS)
        if entry.key.endswith(".json")
    }
    located = []
    for name in sorted(set(local) | remote_names):
        if name in local and name not in remote_names:
            located.append(LocatedDataset(local[name], LOCAL))
            continue
        try:
            remote_sha = store.stat(snapshot_key(name)).sha256
        except NotFound:
            remote_sha = ""
        if name in local:
            same = build_snapshot(service, name).sha256 == remote_sha
            located.append(LocatedDataset(local[name], BOTH if same else DIFFERS))
        elif remote_sha:
            located.append(LocatedDataset(_record_of(parse_snapshot(store.get_bytes(snapshot_key(name)))), REMOTE))
    return located
