"""After a successful training, with a remote set: send the new version, the run's report and its checkpoint.

A failure keeps everything local, warns in the job's log and leaves the job succeeded; the next
``omni sync push`` sends what is missing (the sync compares, so nothing is sent twice).
"""

from __future__ import annotations

from backend.jobs.context import JobContext
from backend.registry.registry import layer_of
from backend.storage.remote import open_remote
from backend.sync.hash_cache import HashCache
from backend.sync.selection import CHECKPOINTS, MODELS, REPORTS
from backend.sync.status import status
from backend.sync.transfer import Direction, decide, execute
from backend.workspace import Workspace
from omni_core.errors import OmniError


def push_after_training(ctx: JobContext, version: str) -> None:
    workspace = Workspace(ctx.workspace_root)
    try:
        store = open_remote(workspace.state_dir)
    except OmniError as error:
        ctx.log(f"not pushed to the remote: {error.message}", level="warning")
        ctx.set_output("pushed", "no")
        return
    if store is None:
        return
    prefixes = [
        f"{MODELS}{layer_of(version)}/{version}/",
        f"{REPORTS}{ctx.job_id}/",
        f"{CHECKPOINTS}{ctx.job_id}/",
    ]
    ctx.progress(0, 0, unit="bytes", message="pushing to the remote")
    try:
        compared = status(store, workspace.root, HashCache(workspace.state_dir), prefixes)
        work = decide(compared.entries, Direction.PUSH, overwrite=False)
        outcome = execute(
            store,
            workspace.root,
            workspace.state_dir,
            work,
            Direction.PUSH,
            report=lambda done, objects, total: ctx.progress(
                done, work.bytes_total, unit="bytes", message=f"pushing {objects}/{total} objects"
            ),
            check=lambda: None,  # a finished training is not cancelled by its push
        )
    except OmniError as error:
        ctx.log(
            f"could not push {version} to {store.describe()}: {error.message}. Everything is kept here; "
            "omni sync push sends it later.",
            level="warning",
        )
        ctx.set_output("pushed", "no")
        return
    ctx.log(
        f"pushed {version}, its report and checkpoint to {store.describe()}: {len(outcome.moved)} objects, "
        f"{outcome.bytes_moved:,} bytes ({work.same} already there)"
    )
    ctx.set_output("pushed", store.describe())
