"""Where a model version or a dataset lives (this workspace, the remote, both) for the Models and Datasets
views, and the one-item sync each row offers: Pull what only the remote has, Push what only we have.

Listing with ``include_remote`` can be slow (the backend retries a remote that does not answer), so the views
list locally first and then ask for locations; ``merge_local`` keeps the last known locations across a
local refresh in between, so the column does not flicker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from desktop.client.errors import BackendError
from desktop.models.table_rows import Tone
from protos.omni.v1 import datasets_pb2, jobs_pb2, models_pb2, storage_pb2

Action = Literal["push", "pull", ""]
SYNC_KINDS = ("sync_push", "sync_pull")

LOCATION_TEXT: dict[int, str] = {
    storage_pb2.LOCATION_UNSPECIFIED: "",
    storage_pb2.LOCATION_LOCAL: "local",
    storage_pb2.LOCATION_REMOTE: "remote",
    storage_pb2.LOCATION_BOTH: "both",
    storage_pb2.LOCATION_DIFFERS: "differs",
}
LOCATION_TONE: dict[int, Tone] = {
    storage_pb2.LOCATION_REMOTE: "muted",
    storage_pb2.LOCATION_BOTH: "good",
    storage_pb2.LOCATION_DIFFERS: "bad",
}
LOCATION_TIPS: dict[int, str] = {
    storage_pb2.LOCATION_LOCAL: "Only in this workspace: Push shares it through the remote.",
    storage_pb2.LOCATION_REMOTE: "Only on the remote: Pull brings it into this workspace.",
    storage_pb2.LOCATION_BOTH: "In this workspace and on the remote, the same bytes.",
    storage_pb2.LOCATION_DIFFERS: "On both sides, but the bytes differ: see Storage → Sync status.",
}

T = TypeVar("T", models_pb2.ModelVersion, datasets_pb2.Dataset)


def location_text(location: int) -> str:
    return LOCATION_TEXT.get(location, "")


def location_tone(location: int) -> Tone:
    return LOCATION_TONE.get(location, "")


def sync_action(location: int) -> Action:
    """Pull for a remote-only item, Push for a local-only one; nothing otherwise."""
    if location == storage_pb2.LOCATION_REMOTE:
        return "pull"
    if location == storage_pb2.LOCATION_LOCAL:
        return "push"
    return ""


def sync_spec(action: Action, *, models: Sequence[str] = (), datasets: Sequence[str] = ()) -> jobs_pb2.JobSpec:
    """The job that pushes or pulls just these versions or datasets."""
    selection = storage_pb2.SyncSelection(models=list(models), datasets=list(datasets))
    if not (selection.models or selection.datasets):
        raise ValueError("name at least one model version or dataset")  # an empty selection means "everything"
    spec = storage_pb2.SyncSpec(selection=selection)
    if action == "push":
        return jobs_pb2.JobSpec(sync_push=spec)
    if action == "pull":
        return jobs_pb2.JobSpec(sync_pull=spec)
    raise ValueError(f"unknown sync action {action!r}")


@dataclass(frozen=True)
class SyncTarget:
    """The row a Push or Pull button acts on."""

    kind: Literal["model", "dataset"]
    name: str
    location: int

    @property
    def action(self) -> Action:
        return sync_action(self.location)

    def spec(self) -> jobs_pb2.JobSpec:
        if self.kind == "model":
            return sync_spec(self.action, models=[self.name])
        return sync_spec(self.action, datasets=[self.name])

    def describe(self) -> str:
        verb = "Pushing" if self.action == "push" else "Pulling"
        return f"{verb} {self.name}"


# -- listing with locations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteListing:
    """What a listing with ``include_remote`` gave: the items with locations, or why there are none."""

    items: list[object] | None  # None: no locations (no remote, or the remote could not be listed)
    note: str = ""  # why not, when it is worth saying (the remote is set but could not be listed)


def list_remote(fetch: Callable[[], Sequence[object]]) -> RemoteListing:
    """Run a listing with ``include_remote``. FAILED_PRECONDITION (no remote set) gives no locations, quietly;
    any other refusal gives none either, with a note (the local listing still shows what is here)."""
    try:
        return RemoteListing(list(fetch()))
    except BackendError as error:
        if error.code == "FAILED_PRECONDITION":
            return RemoteListing(None)
        return RemoteListing(None, f"Remote locations unknown: {error}")


def located_items(listing: RemoteListing, shown: Sequence[T], item_type: type[T]) -> tuple[list[T], bool]:
    """The rows after a listing with locations, and whether they carry locations. Without locations the rows
    shown stay, less the remote-only ones; a backend that does not know ``include_remote`` answers without
    locations, and then there is no column either."""
    if listing.items is None:
        return [item for item in shown if item.location != storage_pb2.LOCATION_REMOTE], False
    items = [item for item in listing.items if isinstance(item, item_type)]
    return items, any(item.location != storage_pb2.LOCATION_UNSPECIFIED for item in items)


def merge_local(previous: Sequence[T], local: Sequence[T], key: Callable[[T], str]) -> list[T]:
    """A fresh local listing, with the locations of ``previous`` (a listing with locations) kept: local items
    keep theirs (a remote-only one that is now local is on both sides), remote-only ones stay listed."""
    before = {key(item): item.location for item in previous}
    merged: list[T] = []
    for item in local:
        was = before.get(key(item), storage_pb2.LOCATION_UNSPECIFIED)
        if was != item.location and was != storage_pb2.LOCATION_UNSPECIFIED:
            copy = type(item)()
            copy.CopyFrom(item)
            copy.location = storage_pb2.LOCATION_BOTH if was == storage_pb2.LOCATION_REMOTE else was
            item = copy
        merged.append(item)
    names = {key(item) for item in local}
    merged += [item for item in previous if item.location == storage_pb2.LOCATION_REMOTE and key(item) not in names]
    return merged
