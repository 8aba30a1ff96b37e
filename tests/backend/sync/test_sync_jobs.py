"""Sync as real jobs between two backends (two workspaces) and one real SeaweedFS remote.

Everything goes through gRPC on loopback: SetRemote, SyncStatus, sync_push/sync_pull jobs in worker processes,
the registry's remote listing and its fetch on demand."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.rpc.server import Backend
from desktop.client import BackendError, Connection
from protos.omni.v1 import batch_pb2, jobs_pb2, storage_pb2
from tests.backend.batch.conftest import register, write_images
from tests.backend.sync.conftest import FAILED, SUCCEEDED, Side
from tests.helpers import wait_for_progress, wait_for_state
from tests.s3_servers import SeaweedS3


def _report(root: Path, job: str) -> Path:
    folder = root / "training-outputs" / "reports" / job
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps({"id": job, "state": "succeeded"}))
    (folder / "report.txt").write_text("TRAINING REPORT\n")
    return folder


def _events_text(client: Connection, job_id: str) -> str:
    return "\n".join(str(event) for event in client.watch_job(job_id))


def test_push_then_pull_into_a_second_workspace(remote_pair: tuple[Side, Side], tiny_onnx: Path) -> None:
    a, b = remote_pair
    version = register(a.root, tiny_onnx)
    _report(a.root, "job-a1")
    status = a.client.sync_status()
    assert (status.local_only, status.remote_only, status.same) == (4, 0, 0)  # onnx + card + 2 report files
    pushed = a.sync("push")
    assert pushed.state == SUCCEEDED, pushed.message
    assert pushed.outputs["objects_to_move"] == "4"
    after = a.client.sync_status(include_same=True)
    assert (after.local_only, after.remote_only, after.different, after.same) == (0, 0, 0, 4)
    assert {entry.group for entry in after.entries} == {f"model {version}", "report job-a1"}

    seen_by_b = b.client.sync_status()
    assert seen_by_b.remote_only == 4 and seen_by_b.local_only == 0
    listed = b.client.list_models(include_remote=True)
    assert [(m.version, m.location) for m in listed] == [(version, storage_pb2.LOCATION_REMOTE)]
    pulled = b.sync("pull")
    assert pulled.state == SUCCEEDED, pulled.message
    for key in (f"models/layer_1/{version}/model.onnx", "training-outputs/reports/job-a1/report.json"):
        assert (b.root / key).read_bytes() == (a.root / key).read_bytes()
    assert [m.location for m in b.client.list_models(include_remote=True)] == [storage_pb2.LOCATION_BOTH]
    again = b.sync("pull")
    assert again.outputs["objects_to_move"] == "0" and again.outputs["same"] == "4"


def test_a_model_version_is_immutable(remote_pair: tuple[Side, Side], tiny_onnx: Path, tmp_path: Path) -> None:
    a, b = remote_pair
    version = register(a.root, tiny_onnx)
    assert a.sync("push", models=[version]).state == SUCCEEDED
    # B makes a version of the same name with other bytes
    other = tmp_path / "other.onnx"
    other.write_bytes(tiny_onnx.read_bytes() + b"\0")
    card_dir = b.root / "models" / "layer_1" / version
    card_dir.mkdir(parents=True)
    (card_dir / "model.onnx").write_bytes(other.read_bytes())
    (card_dir / "card.json").write_text(
        json.dumps({"version": version, "files": {"onnx": f"models/layer_1/{version}/model.onnx"}})
    )
    failed = b.sync("push", models=[version])
    assert failed.state == FAILED
    mine = hashlib.sha256(other.read_bytes()).hexdigest()
    theirs = hashlib.sha256(tiny_onnx.read_bytes()).hexdigest()
    assert "immutable" in failed.message and mine in failed.message and theirs in failed.message
    # and a pull does not replace B's local copy either
    assert b.sync("pull", models=[version]).state == FAILED
    assert (card_dir / "model.onnx").read_bytes() == other.read_bytes()


def test_other_differences_are_kept_unless_overwrite(remote_pair: tuple[Side, Side]) -> None:
    a, b = remote_pair
    _report(a.root, "job-x")
    assert a.sync("push", reports=True).state == SUCCEEDED
    mine = _report(b.root, "job-x") / "report.txt"
    mine.write_text("B's own words\n")
    kept = b.sync("pull", reports=True)
    assert kept.state == SUCCEEDED and kept.outputs["different"] == "1"
    assert mine.read_text() == "B's own words\n"
    job = b.client.submit(
        jobs_pb2.JobSpec(
            sync_pull=storage_pb2.SyncSpec(selection=storage_pb2.SyncSelection(reports=True), overwrite=True)
        )
    )
    assert wait_for_state(b.client, job.id).state == SUCCEEDED
    assert mine.read_text() == "TRAINING REPORT\n"
    backups = list((b.root / ".omni" / "replaced").rglob("report.txt"))
    assert [p.read_text() for p in backups] == ["B's own words\n"]  # nothing local is lost


def test_a_version_nobody_has_fails_the_sync(remote_pair: tuple[Side, Side]) -> None:
    a, _ = remote_pair
    failed = a.sync("push", models=["restoration_layer2_20200101_000000"])
    assert failed.state == FAILED
    assert failed.message.startswith("selection.models: no version restoration_layer2_20200101_000000")


def test_dry_run_moves_nothing(remote_pair: tuple[Side, Side], tiny_onnx: Path) -> None:
    a, _ = remote_pair
    register(a.root, tiny_onnx)
    job = a.client.submit(jobs_pb2.JobSpec(sync_push=storage_pb2.SyncSpec(dry_run=True)))
    done = wait_for_state(a.client, job.id)
    assert done.state == SUCCEEDED and done.outputs["objects_to_move"] == "2"
    assert a.client.sync_status().local_only == 2


def test_cancelled_push_resumes_without_resending(remote_pair: tuple[Side, Side]) -> None:
    a, _ = remote_pair
    folder = a.root / "training-outputs" / "checkpoints" / "job-big"
    folder.mkdir(parents=True)
    for index in range(300):
        (folder / f"part-{index:04d}.bin").write_bytes(os.urandom(64 * 1024))
    job = a.client.submit(
        jobs_pb2.JobSpec(sync_push=storage_pb2.SyncSpec(selection=storage_pb2.SyncSelection(checkpoints=True)))
    )
    wait_for_progress(a.client, job.id, done=64 * 1024 * 10)
    a.client.cancel_job(job.id)
    cancelled = wait_for_state(a.client, job.id)
    assert cancelled.state == jobs_pb2.JOB_STATE_CANCELLED
    midway = a.client.sync_status(storage_pb2.SyncSelection(checkpoints=True))
    assert midway.same > 0 and midway.local_only > 0 and midway.same + midway.local_only == 300
    assert midway.different == 0  # truthful: nothing half-written is listed
    resumed = wait_for_state(a.client, a.client.resume_job(job.id).id)
    assert resumed.state == SUCCEEDED
    assert int(resumed.outputs["objects_to_move"]) == midway.local_only
    assert a.client.sync_status(storage_pb2.SyncSelection(checkpoints=True)).same == 300


def test_bad_remote_settings_are_refused_naming_the_field(two_sides: tuple[Side, Side], seaweed: SeaweedS3) -> None:
    a, _ = two_sides
    cases = [
        (storage_pb2.SetRemoteRequest(url="http://bucket/x", access_key_id="k", secret_access_key="s"), "url"),
        (storage_pb2.SetRemoteRequest(url="s3://Bad_Bucket", access_key_id="k", secret_access_key="s"), "url"),
        (
            storage_pb2.SetRemoteRequest(
                url="s3://ok-bucket", endpoint="ftp://x", access_key_id="k", secret_access_key="s"
            ),
            "endpoint",
        ),
        (
            storage_pb2.SetRemoteRequest(url="s3://", bucket_prefix="UP", access_key_id="k", secret_access_key="s"),
            "bucket_prefix",
        ),
        (storage_pb2.SetRemoteRequest(url="s3://ok-bucket", access_key_id="k"), "secret_access_key"),
    ]
    for request, field in cases:
        with pytest.raises(BackendError) as caught:
            a.client.set_remote(request)
        assert caught.value.code == "INVALID_ARGUMENT", caught.value
        assert str(caught.value).startswith(f"{field}:") or f"{field}:" in str(caught.value)
    with pytest.raises(BackendError) as missing:
        a.client.set_remote(storage_pb2.SetRemoteRequest(url="s3://ok-bucket", endpoint=seaweed.url))
    assert missing.value.code == "FAILED_PRECONDITION" and "OMNI_S3_ACCESS_KEY_ID" in str(missing.value)
    assert not a.client.get_remote().configured


def test_sync_to_an_endpoint_that_does_not_answer_is_refused_before_queueing(
    two_sides: tuple[Side, Side],
) -> None:
    from tests.s3_servers import free_port

    a, _ = two_sides
    a.client.set_remote(
        storage_pb2.SetRemoteRequest(
            url="s3://nobody-home", endpoint=f"http://127.0.0.1:{free_port()}", access_key_id="k", secret_access_key="s"
        )
    )
    with pytest.raises(BackendError) as caught:
        a.client.submit(jobs_pb2.JobSpec(sync_push=storage_pb2.SyncSpec()))
    assert caught.value.code == "FAILED_PRECONDITION" and "endpoint:" in str(caught.value)
    assert a.client.list_jobs(kinds=["sync_push"]) == []
    check = a.client.check_remote()
    assert not check.ok and check.problem == storage_pb2.REMOTE_PROBLEM_UNREACHABLE


def test_secrets_never_leave_the_backend(remote_pair: tuple[Side, Side], seaweed: SeaweedS3, tiny_onnx: Path) -> None:
    a, _ = remote_pair
    secret = seaweed.admin.secret_key
    register(a.root, tiny_onnx)
    job = a.sync("push")
    texts = [
        str(a.client.get_remote()),
        str(a.client.check_remote()),
        str(job),
        _events_text(a.client, job.id),
        str(a.client.system_info()),
        str(a.client.sync_status()),
    ]
    for log in (a.root / ".omni").rglob("*.log"):
        texts.append(log.read_text(errors="replace"))
    for table in (a.root / ".omni").glob("*.sqlite3"):
        texts.append(table.read_bytes().decode("latin-1"))
    assert all(secret not in text for text in texts)
    remote = a.client.get_remote()
    assert remote.access_key_hint == f"…{seaweed.admin.access_key[-4:]}"
    assert remote.credentials_source.startswith("workspace")
    keys = a.root / ".omni" / "s3-credentials"
    assert oct(keys.stat().st_mode & 0o777) == "0o600"


def test_a_second_backend_restores_with_a_version_it_never_had(
    remote_pair: tuple[Side, Side], tiny_onnx: Path, tmp_path: Path
) -> None:
    a, b = remote_pair
    version = register(a.root, tiny_onnx)
    a.client.promote_model(version)  # shared: the remote's current version is this one now
    images = tmp_path / "scans"
    write_images(images, ["a.png", "b.jpg"])
    spec = jobs_pb2.JobSpec(
        restore_batch=batch_pb2.RestoreBatchSpec(input=str(images), out=str(tmp_path / "out"), model="current", layer=1)
    )
    job = wait_for_state(b.client, b.client.submit(spec).id, timeout=120)
    assert job.state == SUCCEEDED, job.message
    assert job.spec.restore_batch.model == version
    assert (b.root / "models" / "layer_1" / version / "model.onnx").read_bytes() == tiny_onnx.read_bytes()
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("restore-summary")) == [
        "a.png",
        "b.jpg",
    ]
    by_tier = jobs_pb2.JobSpec(  # the tier's promoted version is shared through the remote too
        restore_batch=batch_pb2.RestoreBatchSpec(input=str(images), out=str(tmp_path / "fast"), tier="fast")
    )
    job = wait_for_state(b.client, b.client.submit(by_tier).id, timeout=120)
    assert job.state == SUCCEEDED and job.spec.restore_batch.model == version, job.message


def _train_on(side: Side, tmp_path: Path) -> jobs_pb2.Job:
    from protos.omni.v1 import training_pb2
    from tests.helpers import restoration_spec

    data = tmp_path / f"pairs-{side.root.name}"
    synth = wait_for_state(side.client, side.client.submit(restoration_spec(data, count=8, size=64, seed=2)).id)
    assert synth.state == SUCCEEDED, synth.message
    spec = training_pb2.TrainRestorationSpec(
        data=str(data),
        layer=1,
        epochs=1,
        batch_size=4,
        lr=2e-3,
        patch=32,
        val_split=0.25,
        preset="tiny",
        device="cpu",
        seed=1,
        num_workers=-1,
    )
    return wait_for_state(side.client, side.client.submit(jobs_pb2.JobSpec(train_restoration=spec)).id, timeout=240)


@pytest.mark.slow
def test_train_on_a_restore_on_b(remote_pair: tuple[Side, Side], tmp_path: Path) -> None:
    a, b = remote_pair
    trained = _train_on(a, tmp_path)
    assert trained.state == SUCCEEDED, trained.message
    version = trained.outputs["model_version"]
    assert trained.outputs["pushed"].startswith("s3://")
    assert "pushed " + version in _events_text(a.client, trained.id)
    # the version, its report and its checkpoint are on the remote: the same bytes as on A
    status = a.client.sync_status(storage_pb2.SyncSelection(models=[version], reports=True, checkpoints=True))
    assert status.local_only == 0 and status.different == 0
    images = tmp_path / "scans"
    write_images(images, ["page.png"])
    spec = jobs_pb2.JobSpec(
        restore_batch=batch_pb2.RestoreBatchSpec(input=str(images), out=str(tmp_path / "restored"), model=version)
    )
    restored = wait_for_state(b.client, b.client.submit(spec).id, timeout=120)
    assert restored.state == SUCCEEDED, restored.message
    assert (tmp_path / "restored" / "page.png").is_file()
    assert (b.root / "models" / "layer_1" / version / "card.json").is_file()


@pytest.mark.slow
def test_a_failed_automatic_push_keeps_the_training(
    two_sides: tuple[Side, Side], seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    a, _ = two_sides
    a.set_remote(seaweed, unique_bucket_prefix, secret="a-wrong-secret")
    trained = _train_on(a, tmp_path)
    assert trained.state == SUCCEEDED, trained.message
    assert trained.outputs["pushed"] == "no"
    events = _events_text(a.client, trained.id)
    assert "could not push" in events and "secret key does not match" in events
    assert "a-wrong-secret" not in events
    version = trained.outputs["model_version"]
    assert (a.root / "models" / "layer_1" / version / "model.onnx").is_file()


def test_every_model_and_nothing_else(remote_pair: tuple[Side, Side], tiny_onnx: Path) -> None:
    a, _ = remote_pair
    register(a.root, tiny_onnx)
    _report(a.root, "job-r")
    a.client.create_dataset("left-here", ["dent"])
    status = a.client.sync_status(storage_pb2.SyncSelection(every_model=True))
    assert {entry.group.split()[0] for entry in status.entries} == {"model"}
    assert a.sync("push", every_model=True).outputs["objects_to_move"] == "2"


def test_a_card_naming_files_outside_its_version_is_refused(
    remote_pair: tuple[Side, Side], tiny_onnx: Path, seaweed: SeaweedS3
) -> None:
    """A remote card is foreign input: it may not make a fetch overwrite another version's files."""
    a, b = remote_pair
    victim = register(b.root, tiny_onnx)
    version = "restoration_layer1_20200101_000000"
    card = {"version": version, "files": {"onnx": f"models/layer_1/{victim}/model.onnx"}, "sha256": {}}
    remote = a.client.get_remote()
    bucket, prefix = remote.url.removeprefix("s3://").split("/", 1)
    seaweed.minio().put_object(
        bucket,
        f"{prefix}/models/layer_1/{version}/card.json",
        io.BytesIO(json.dumps(card).encode()),
        len(json.dumps(card)),
    )
    before = (b.root / "models" / "layer_1" / victim / "model.onnx").read_bytes()
    spec = jobs_pb2.JobSpec(
        restore_batch=batch_pb2.RestoreBatchSpec(input=str(b.root), out=str(b.root / "out"), model=version)
    )
    with pytest.raises(BackendError) as caught:
        b.client.submit(spec)
    assert caught.value.code != "INTERNAL" and "outside its version" in str(caught.value)
    assert (b.root / "models" / "layer_1" / victim / "model.onnx").read_bytes() == before


def test_a_confined_backend_reads_no_credentials_file_a_client_names(
    make_backend: Callable[..., Backend], tmp_path: Path
) -> None:
    secret_file = tmp_path / "not-yours"
    secret_file.write_text("[default]\naws_access_key_id = A\naws_secret_access_key = B\n")
    secret_file.chmod(0o600)
    side = Side(make_backend(workspace=tmp_path / "confined", host_paths_allowed=False))
    with pytest.raises(BackendError) as caught:
        side.client.set_remote(storage_pb2.SetRemoteRequest(url="s3://bucket-x", credentials_file=str(secret_file)))
    assert caught.value.code == "PERMISSION_DENIED" and "credentials_file" in str(caught.value)
    side.client.close()


def test_a_credentials_file_that_is_not_one_is_named_without_its_content(
    two_sides: tuple[Side, Side], tmp_path: Path
) -> None:
    a, _ = two_sides
    private = tmp_path / "id_key"
    private.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWxpbmU=\n")
    private.chmod(0o600)
    with pytest.raises(BackendError) as caught:
        a.client.set_remote(storage_pb2.SetRemoteRequest(url="s3://bucket-x", credentials_file=str(private)))
    assert caught.value.code == "INVALID_ARGUMENT" and "credentials_file" in str(caught.value)
    assert "BEGIN" not in str(caught.value) and "c2VjcmV0" not in str(caught.value)
