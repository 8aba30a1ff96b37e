"""Sync and locations without Qt: the selection a choice sends, the status table, a sync job's progress in
bytes, and the Location column with its Push and Pull of one version or dataset."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from desktop.client import BackendError
from desktop.models.datasets_model import DatasetsModel
from desktop.models.job_follow import JobFollow
from desktop.models.jobs_model import JobsModel
from desktop.models.locations import RemoteListing, SyncTarget, list_remote, merge_local, sync_action, sync_spec
from desktop.models.models_model import LOCATION_COLUMN, ModelsModel
from desktop.models.sync_model import NothingToSync, SyncChoice, SyncModel, status_summary, sync_job_text
from protos.omni.v1 import datasets_pb2, jobs_pb2, models_pb2, storage_pb2

LOCAL, REMOTE, BOTH, DIFFERS = (
    storage_pb2.LOCATION_LOCAL,
    storage_pb2.LOCATION_REMOTE,
    storage_pb2.LOCATION_BOTH,
    storage_pb2.LOCATION_DIFFERS,
)


def version(name: str, created: int, location: int = 0) -> models_pb2.ModelVersion:
    return models_pb2.ModelVersion(
        version=name,
        layer="layer_1",
        created_at=Timestamp(seconds=created),
        location=location,  # type: ignore[arg-type]
    )


# -- what to sync ---------------------------------------------------------------------------------------


def test_choices_become_selections() -> None:
    assert SyncChoice().selection() == storage_pb2.SyncSelection(every_model=True, every_dataset=True, reports=True)
    everything = SyncChoice(checkpoints=True).selection()
    assert (everything.every_model, everything.every_dataset, everything.reports, everything.checkpoints) == (
        True,
        True,
        True,
        True,
    )
    reports = SyncChoice(models=False, datasets=False, checkpoints=True)
    assert reports.selection() == storage_pb2.SyncSelection(reports=True, checkpoints=True)
    models_only = SyncChoice(datasets=False, reports=False)
    assert models_only.selection() == storage_pb2.SyncSelection(every_model=True)
    with pytest.raises(NothingToSync, match="Choose what to sync"):
        SyncChoice(False, False, False, False).selection()


def test_sync_spec_carries_dry_run_and_overwrite() -> None:
    model = SyncModel(JobsModel())
    model.dry_run, model.overwrite = True, True
    selection = storage_pb2.SyncSelection(reports=True)
    assert model.spec(True, selection) == jobs_pb2.JobSpec(
        sync_push=storage_pb2.SyncSpec(selection=selection, dry_run=True, overwrite=True)
    )
    assert model.spec(False, selection).WhichOneof("spec") == "sync_pull"


def test_status_rows_leave_out_what_is_the_same() -> None:
    model = SyncModel(JobsModel())
    status = storage_pb2.SyncStatusResponse(
        entries=[
            storage_pb2.SyncEntry(
                key="models/layer_1/v1/model.onnx",
                state=storage_pb2.SYNC_STATE_LOCAL_ONLY,
                group="model v1",
                local_size=2048,
            ),
            storage_pb2.SyncEntry(key="training-outputs/reports/j1/report.json", state=storage_pb2.SYNC_STATE_SAME),
            storage_pb2.SyncEntry(
                key="training-data/datasets/parts.json",
                state=storage_pb2.SYNC_STATE_DIFFERENT,
                group="dataset parts",
                local_size=10,
                remote_size=12,
                local_sha256="aa",
                remote_sha256="bb",
            ),
        ],
        local_only=1,
        same=1,
        different=1,
        seconds=0.42,
    )
    model.set_status(status)
    rows = model.rows()
    assert [row.cells for row in rows] == [
        ("local only", "models/layer_1/v1/model.onnx", "model v1", "2.0 KiB", ""),
        ("different", "training-data/datasets/parts.json", "dataset parts", "10 B", "12 B"),
    ]
    assert rows[1].tone(0) == "bad" and "remote SHA-256 bb" in rows[1].tooltips[0]
    assert model.summary() == "1 local only · 0 remote only · 1 same · 1 different (0.4 s)"
    assert status_summary(storage_pb2.SyncStatusResponse()) == "0 local only · 0 remote only · 0 same · 0 different"


# -- a sync job -----------------------------------------------------------------------------------------


def sync_job(state: int, *, done: int = 0, total: int = 0, dry_run: bool = False, **outputs: str) -> jobs_pb2.Job:
    return jobs_pb2.Job(
        id="job-1",
        kind="sync_push",
        state=state,  # type: ignore[arg-type]
        spec=jobs_pb2.JobSpec(sync_push=storage_pb2.SyncSpec(dry_run=dry_run)),
        progress=jobs_pb2.Progress(
            done=done, total=total, unit="bytes", rate=3 * 1024 * 1024, eta_seconds=8, message="3/10 objects"
        ),
        outputs=outputs,
    )


def test_sync_job_text_in_bytes() -> None:
    running = sync_job(jobs_pb2.JOB_STATE_RUNNING, done=12 * 1024 * 1024, total=40 * 1024 * 1024)
    assert sync_job_text(running) == "Push: 30% · 12.0 MiB of 40.0 MiB · 3.0 MiB/s · ETA 8s · 3/10 objects"
    assert sync_job_text(sync_job(jobs_pb2.JOB_STATE_QUEUED)) == "Push: queued"
    done = sync_job(jobs_pb2.JOB_STATE_SUCCEEDED, moved="3", bytes_moved="2048", different="2")
    assert sync_job_text(done) == (
        "Push: succeeded · moved 3 objects (2.0 KiB) · 2 differ (kept; tick Overwrite to replace)"
    )
    dry = sync_job(jobs_pb2.JOB_STATE_SUCCEEDED, dry_run=True, objects_to_move="4", bytes_to_move="1024")
    assert sync_job_text(dry) == "Push (dry run): succeeded · would move 4 objects (1.0 KiB)"
    failed = sync_job(jobs_pb2.JOB_STATE_FAILED)
    failed.message = "remote: nothing answers at http://127.0.0.1:9"
    assert sync_job_text(failed) == "Push: failed: remote: nothing answers at http://127.0.0.1:9"


def test_job_follow_announces_the_end_once() -> None:
    jobs = JobsModel()
    follow = JobFollow(jobs)
    ended: list[str] = []
    follow.finished.connect(lambda job: ended.append(job.id))
    follow.follow(sync_job(jobs_pb2.JOB_STATE_QUEUED))
    assert follow.running
    for state in (jobs_pb2.JOB_STATE_RUNNING, jobs_pb2.JOB_STATE_SUCCEEDED, jobs_pb2.JOB_STATE_SUCCEEDED):
        jobs.upsert(sync_job(state, done=5, total=10))
    assert not follow.running and ended == ["job-1"] and follow.fraction() == 1.0


# -- locations ------------------------------------------------------------------------------------------


def test_pull_what_only_the_remote_has_and_push_what_only_we_have() -> None:
    assert [sync_action(where) for where in (REMOTE, LOCAL, BOTH, DIFFERS)] == ["pull", "push", "", ""]
    assert sync_spec("pull", models=["v1"]) == jobs_pb2.JobSpec(
        sync_pull=storage_pb2.SyncSpec(selection=storage_pb2.SyncSelection(models=["v1"]))
    )
    assert SyncTarget("dataset", "parts", LOCAL).spec() == jobs_pb2.JobSpec(
        sync_push=storage_pb2.SyncSpec(selection=storage_pb2.SyncSelection(datasets=["parts"]))
    )
    with pytest.raises(ValueError, match="at least one"):
        sync_spec("push")  # an empty selection would push everything


def test_listing_with_remote_falls_back_quietly_without_a_remote() -> None:
    def no_remote() -> list[object]:
        raise BackendError("FAILED_PRECONDITION", "remote: this workspace has no remote")

    def unreachable() -> list[object]:
        raise BackendError("UNAVAILABLE", "remote: nothing answers at minio:9000")

    assert list_remote(no_remote) == RemoteListing(None)
    note = "Remote locations unknown: remote: nothing answers at minio:9000"
    assert list_remote(unreachable) == RemoteListing(None, note)
    assert list_remote(lambda: [version("v1", 1, LOCAL)]).items == [version("v1", 1, LOCAL)]


def located(model: ModelsModel) -> list[tuple[str, str]]:
    return [(row.key, row.cells[LOCATION_COLUMN]) for row in model.rows()]


def test_models_show_locations_and_offer_push_or_pull() -> None:
    model = ModelsModel()
    model.set_models([version("v1", 1), version("v2", 2)])
    assert not model.with_remote and model.rows()[0].cells[LOCATION_COLUMN] == ""
    model.select(["v1"])
    assert model.sync_target() is None

    model.set_remote_listing(RemoteListing([version("v1", 1, LOCAL), version("v2", 2, BOTH), version("v3", 3, REMOTE)]))
    assert model.with_remote
    assert located(model) == [("v3", "remote"), ("v2", "both"), ("v1", "local")]
    assert model.sync_target() == SyncTarget("model", "v1", LOCAL) and model.sync_target().action == "push"  # type: ignore[union-attr]
    model.select(["v3"])
    assert model.sync_target() == SyncTarget("model", "v3", REMOTE) and not model.can_delete()
    model.select(["v2"])
    assert model.sync_target() is None

    # a local refresh (v3 was pulled meanwhile) keeps the known locations until the next listing with them
    model.set_models([version("v1", 1), version("v2", 2), version("v3", 3)])
    assert located(model) == [("v3", "both"), ("v2", "both"), ("v1", "local")]

    model.set_remote_listing(RemoteListing(None))  # the remote was removed
    assert not model.with_remote and model.sync_target() is None and len(model.models) == 3


def test_merge_keeps_remote_only_items() -> None:
    previous = [version("v1", 1, BOTH), version("v9", 9, REMOTE)]
    merged = merge_local(previous, [version("v1", 1), version("v2", 2)], lambda m: m.version)
    assert [(m.version, m.location) for m in merged] == [("v1", BOTH), ("v2", 0), ("v9", REMOTE)]


def test_datasets_only_on_the_remote_must_be_pulled_first() -> None:
    model = DatasetsModel()
    listing = [datasets_pb2.Dataset(name="parts", location=LOCAL), datasets_pb2.Dataset(name="scans", location=REMOTE)]
    model.set_remote_listing(RemoteListing(list(listing)))
    assert model.with_remote and model.selected == "parts" and model.current_is_local
    assert model.sync_target() == SyncTarget("dataset", "parts", LOCAL)
    model.select("scans")
    assert not model.current_is_local and model.sync_target() == SyncTarget("dataset", "scans", REMOTE)
    assert model.rows()[1].cells[-1] == "remote"
    # a backend that ignores include_remote answers without locations: no Location column
    model.set_remote_listing(RemoteListing([datasets_pb2.Dataset(name="parts")]))
    assert not model.with_remote
