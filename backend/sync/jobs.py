"""Push and pull as job kinds (``sync_push``, ``sync_pull``): checked at submit, carried out in the worker.

Before a sync is queued the remote must be set, its keys found and its endpoint answering; nothing is sent
before that. A sync is resumable: a new run re-compares and moves only what is still missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.jobs.context import JobContext
from backend.jobs.kind import JobKind, Prepared
from backend.registry.registry import layer_of
from backend.storage.check import probe_reach
from backend.storage.remote import require_remote
from backend.sync.selection import Selection
from backend.workspace import Workspace
from omni_core.errors import InvalidArgument, shown


@dataclass(frozen=True)
class SyncParams:
    #: the JSON form of ``omni.v1.SyncSelection``
    selection: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    overwrite: bool = False


def selection_of(data: dict[str, Any]) -> Selection:
    try:
        return Selection(
            models=tuple(str(v) for v in data.get("models", ())),
            datasets=tuple(str(v) for v in data.get("datasets", ())),
            reports=bool(data.get("reports", False)),
            checkpoints=bool(data.get("checkpoints", False)),
            all=bool(data.get("all", False)),
            all_models=bool(data.get("every_model", False)),
            all_datasets=bool(data.get("every_dataset", False)),
        )
    except (TypeError, AttributeError):
        raise InvalidArgument("selection", "is not a sync selection") from None


def check_selection(selection: Selection) -> Selection:
    for version in selection.models:
        try:
            layer_of(version)
        except InvalidArgument as error:
            raise InvalidArgument("selection.models", error.reason) from None
    for name in selection.datasets:
        if not name or "/" in name or name.startswith("."):
            raise InvalidArgument("selection.datasets", f"{shown(name)} is not a dataset name")
    return selection


def prepare(params: SyncParams, workspace: Workspace, resuming: bool) -> Prepared:
    check_selection(selection_of(params.selection))
    store = require_remote(workspace.state_dir)
    probe_reach(store.config)
    return Prepared(params=params, outputs={"remote": store.describe()})


def run_push(params: SyncParams, ctx: JobContext) -> dict[str, object]:
    from backend.sync.run import run_sync
    from backend.sync.transfer import Direction

    return run_sync(params, ctx, Direction.PUSH)


def run_pull(params: SyncParams, ctx: JobContext) -> dict[str, object]:
    from backend.sync.run import run_sync
    from backend.sync.transfer import Direction

    return run_sync(params, ctx, Direction.PULL)


SYNC_PUSH = JobKind(
    name="sync_push",
    params_type=SyncParams,
    prepare=prepare,
    run="backend.sync.jobs:run_push",
    resumable=True,
    description="send models, datasets, reports and checkpoints to the workspace's remote",
)
SYNC_PULL = JobKind(
    name="sync_pull",
    params_type=SyncParams,
    prepare=prepare,
    run="backend.sync.jobs:run_pull",
    resumable=True,
    description="fetch models, datasets, reports and checkpoints from the workspace's remote",
)
