"""A sync job's body: compare, decide, move, then apply pulled dataset snapshots."""

from __future__ import annotations

from backend.datasets.service import DatasetService
from backend.datasets.snapshot import apply_snapshot, snapshot_key
from backend.jobs.context import JobContext
from backend.storage.remote import require_remote
from backend.sync.jobs import SyncParams, selection_of
from backend.sync.scope import scoped_status
from backend.sync.status import Entry, SyncState
from backend.sync.transfer import Direction, decide, execute
from backend.workspace import Workspace
from omni_core.errors import NotFound

LISTED = 20  # differences named in the log one by one; the rest are counted


def _human(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024:
            return f"{count:.1f} {unit}" if unit != "B" else f"{int(count)} B"
        count /= 1024
    return f"{count:.1f} TiB"


def run_sync(params: SyncParams, ctx: JobContext, direction: Direction) -> dict[str, object]:
    workspace = Workspace(ctx.workspace_root)
    store = require_remote(workspace.state_dir)
    selection = selection_of(params.selection)
    ctx.progress(0, 0, unit="bytes", message="comparing with the remote")
    scope, status = scoped_status(workspace, store, selection)
    groups = {entry.group for entry in status.entries}
    missing = [version for version in selection.models if f"model {version}" not in groups]
    if missing:
        raise NotFound(f"selection.models: no version {', '.join(missing)} here or on the remote (omni models list)")
    work = decide(status.entries, direction, overwrite=params.overwrite)
    verb = "send" if direction is Direction.PUSH else "fetch"
    ctx.log(
        f"{direction.value} {selection.describe()} with {store.describe()}: {verb} {len(work.to_move)} objects "
        f"({_human(work.bytes_total)}), {work.same} already the same, {len(work.kept_different)} differ, "
        f"{len(work.conflicts)} conflicts (compared in {status.seconds:.2f} s)"
    )
    for entry in work.kept_different[:LISTED]:
        ctx.log(f"differs, kept on both sides (use --overwrite to replace): {entry.key}", level="warning")
    outputs: dict[str, object] = {
        "remote": store.describe(),
        "objects_to_move": len(work.to_move),
        "bytes_to_move": work.bytes_total,
        "same": work.same,
        "different": len(work.kept_different),
        "conflicts": len(work.conflicts),
    }
    if params.dry_run:
        for entry in work.to_move[:LISTED]:
            ctx.log(f"would {verb} {entry.key}")
        ctx.log("dry run: nothing was moved")
        return outputs

    def report(done_bytes: int, objects: int, total_objects: int) -> None:
        ctx.progress(done_bytes, work.bytes_total, unit="bytes", message=f"{objects}/{total_objects} objects")

    outcome = execute(
        store, workspace.root, workspace.state_dir, work, direction, report=report, check=ctx.check_cancelled
    )
    ctx.progress(
        outcome.bytes_moved,
        max(work.bytes_total, outcome.bytes_moved),
        unit="bytes",
        message=f"{len(outcome.moved)}/{len(work.to_move)} objects",
    )
    rate = outcome.bytes_moved / outcome.seconds if outcome.seconds > 0 else 0.0
    ctx.log(
        f"moved {len(outcome.moved)} objects, {_human(outcome.bytes_moved)} in {outcome.seconds:.1f} s "
        f"({_human(rate)}/s)"
    )
    if direction is Direction.PULL:
        _apply_datasets(workspace, scope.datasets, status.entries, params.overwrite, ctx)
    outputs.update({"moved": len(outcome.moved), "bytes_moved": outcome.bytes_moved})
    return outputs


def _apply_datasets(
    workspace: Workspace,
    names: list[str],
    entries: list[Entry],
    overwrite: bool,
    ctx: JobContext,
) -> None:
    states = {entry.key: entry.state for entry in entries}
    service = DatasetService.for_workspace(workspace)
    for name in names:
        key = snapshot_key(name)
        if states.get(key) not in (SyncState.REMOTE_ONLY, SyncState.DIFFERENT):
            continue
        if states.get(key) == SyncState.DIFFERENT and not overwrite:
            continue
        outcome = apply_snapshot(service, workspace.store.get_bytes(key), overwrite=overwrite)
        ctx.log(f"dataset {name}: {outcome}")
