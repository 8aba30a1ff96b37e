"""Exporting a dataset to ``s3://BUCKET/PREFIX`` on the workspace remote's server: a real export job on a loopback
backend, uploading to a real SeaweedFS; the layout the second system trains on, and the checks at submit time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from backend.datasets.export import export_dataset
from backend.datasets.ingest import import_folder
from backend.datasets.params import ExportDatasetParams, ImportDatasetParams
from backend.datasets.service import DatasetService
from backend.rpc.server import Backend
from backend.storage.credentials import save_workspace_keys
from backend.storage.remote_config import RemoteConfig, checked, remove_config, save_config
from backend.workspace import Workspace
from desktop.client import BackendError, BackendTarget, Connection
from omni_core.errors import JobCancelled
from protos.omni.v1 import datasets_pb2, jobs_pb2
from tests.backend.conftest import TOKEN
from tests.backend.datasets.conftest import JobRecorder
from tests.backend.datasets.test_ultralytics_accepts_exports import ultralytics_check
from tests.helpers import wait_for_state
from tests.omni_core.formats.samples import write_yolo, yolo_line
from tests.s3_servers import S3Credentials, SeaweedS3


def set_remote(backend: Backend, server: SeaweedS3, url: str, keys: S3Credentials | None = None) -> None:
    state_dir = backend.workspace.state_dir
    save_config(state_dir, checked(RemoteConfig(url=url, endpoint=server.url, region=server.region)))
    keys = keys or server.admin
    save_workspace_keys(state_dir, keys.access_key, keys.secret_key)


def import_parts(client: Connection, tmp_path: Path) -> None:
    labels = {f"im{i}.png": [yolo_line(i % 2, 0.5, 0.5, 0.2, 0.3)] for i in range(6)}
    labels["empty.png"] = []
    src = write_yolo(tmp_path / "src", ["crack", "hole"], labels)
    spec = datasets_pb2.ImportDatasetSpec(path=str(src), format="yolo", name="parts")
    job = wait_for_state(client, client.submit(jobs_pb2.JobSpec(import_dataset=spec)).id)
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message


def export(client: Connection, out: str, fmt: str = "yolo") -> jobs_pb2.Job:
    spec = datasets_pb2.ExportDatasetSpec(dataset="parts", out=out, format=fmt, split=[0.6, 0.4], seed=2)
    return wait_for_state(client, client.submit(jobs_pb2.JobSpec(export_dataset=spec)).id)


def test_yolo_export_to_s3_has_the_split_first_layout(
    make_backend: Callable[..., Backend], seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    bucket = f"{unique_bucket_prefix}-exports"
    admin = seaweed.minio()
    admin.make_bucket(bucket)
    backend = make_backend()
    set_remote(backend, seaweed, f"s3://{unique_bucket_prefix}-workspace/omni")  # another bucket: only the server
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
        import_parts(client, tmp_path)
        url = f"s3://{bucket}/datasets/parts"
        job = export(client, url + "/")
        assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
        assert job.outputs["out"] == url and job.outputs["images"] == "7"
        events = list(client.watch_job(job.id))
        assert [e.artifact.key for e in events if e.HasField("artifact")] == [f"{url}/data.yaml"]

        names = sorted(o.object_name or "" for o in admin.list_objects(bucket, prefix="datasets/", recursive=True))
        assert all(name.startswith("datasets/parts/") for name in names)
        keys = [name.removeprefix("datasets/parts/") for name in names]
        splits = {key.split("/")[0] for key in keys if key != "data.yaml"}
        assert splits == {"train", "val"} and "data.yaml" in keys
        for split in splits:
            images = sorted(k.split("/")[-1].rsplit(".", 1)[0] for k in keys if k.startswith(f"{split}/images/"))
            labels = sorted(k.split("/")[-1].rsplit(".", 1)[0] for k in keys if k.startswith(f"{split}/labels/"))
            assert images and images == labels
        assert len(keys) == 2 * 7 + 1

        download = tmp_path / "downloaded"
        for name, key in zip(names, keys, strict=True):
            admin.fget_object(bucket, name, str(download / key))
        data = yaml.safe_load((download / "data.yaml").read_text())
        assert "path" not in data
        assert (data["train"], data["val"], data["names"]) == ("train/images", "val/images", {0: "crack", 1: "hole"})
        (checked_yaml,) = ultralytics_check([download / "data.yaml"], tmp_path).values()
        found = checked_yaml["splits"]
        assert sum(s["images"] for s in found.values()) == 7 and sum(s["boxes"] for s in found.values()) == 6
        assert not any(s["corrupt"] or s["missing"] for s in found.values())

        again = export(client, url)  # the prefix holds the first export now: refused, nothing overwritten
        assert again.state == jobs_pb2.JOB_STATE_FAILED and "already holds" in again.message
        coco = export(client, f"s3://{bucket}/datasets/parts-coco", fmt="coco")
        assert coco.state == jobs_pb2.JOB_STATE_SUCCEEDED, coco.message
        coco_names = {o.object_name for o in admin.list_objects(bucket, prefix="datasets/parts-coco/", recursive=True)}
        assert "datasets/parts-coco/annotations/instances_train.json" in coco_names


def test_an_export_the_keys_may_not_write_fails_and_leaves_the_prefix_empty(
    make_backend: Callable[..., Backend], seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    bucket = f"{unique_bucket_prefix}-readonly"
    seaweed.minio().make_bucket(bucket)
    backend = make_backend()
    set_remote(backend, seaweed, f"s3://{bucket}/omni", keys=seaweed.reader)  # may list and read, not write
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
        import_parts(client, tmp_path)
        job = export(client, f"s3://{bucket}/datasets/parts")
    assert job.state == jobs_pb2.JOB_STATE_FAILED
    assert f"may not write s3://{bucket}/" in job.message, job.message
    assert list(seaweed.minio().list_objects(bucket, recursive=True)) == []


@pytest.mark.parametrize(
    ("out", "why"),
    [
        ("s3://", "needs a bucket"),
        ("s3://Bad_Bucket/datasets/parts", "not a valid S3 bucket name"),
        ("s3://ab/x", "not a valid S3 bucket name"),
        ("s3:/bucket/x", "not an s3:// URL"),
        ("S3://bucket/x", "not an s3:// URL"),
        ("s3://bucket/a/../b", "'..'"),
        ("gs://bucket/x", "s3://BUCKET/PREFIX"),
    ],
)
def test_a_bad_s3_url_is_refused_at_submit(client: Connection, backend: Backend, out: str, why: str) -> None:
    client.create_dataset("parts")
    save_config(backend.workspace.state_dir, checked(RemoteConfig(url="s3://remote-bucket", endpoint="127.0.0.1:9")))
    with pytest.raises(BackendError) as refused:
        client.submit(jobs_pb2.JobSpec(export_dataset=datasets_pb2.ExportDatasetSpec(dataset="parts", out=out)))
    assert refused.value.code == "INVALID_ARGUMENT" and refused.value.message.startswith("out: "), refused.value
    assert why in refused.value.message


def test_s3_export_needs_a_remote_and_its_keys(
    client: Connection, backend: Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("OMNI_S3_ACCESS_KEY_ID", "OMNI_S3_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-such-file"))
    client.create_dataset("parts")
    spec = jobs_pb2.JobSpec(export_dataset=datasets_pb2.ExportDatasetSpec(dataset="parts", out="s3://bucket/x"))
    state_dir = backend.workspace.state_dir
    remove_config(state_dir)
    with pytest.raises(BackendError) as no_remote:
        client.submit(spec)
    assert no_remote.value.code == "FAILED_PRECONDITION" and "workspace has none" in no_remote.value.message
    save_config(state_dir, checked(RemoteConfig(url="s3://remote-bucket", endpoint="127.0.0.1:9")))
    with pytest.raises(BackendError) as no_keys:
        client.submit(spec)
    assert no_keys.value.code == "FAILED_PRECONDITION" and "credentials" in no_keys.value.message
    assert client.list_jobs() == []  # refused before anything was queued


class CancelWhileUploading(JobRecorder):
    """A job context whose person presses cancel once ten files have gone up."""

    def progress(self, done: int, total: int = 0, *, unit: str = "", message: str = "") -> None:
        super().progress(done, total, unit=unit, message=message)
        if unit == "files" and done >= 10:
            self.cancel = True


def test_a_cancelled_upload_removes_what_went_up(
    service: DatasetService, workspace: Workspace, seaweed: SeaweedS3, unique_bucket_prefix: str, tmp_path: Path
) -> None:
    bucket = f"{unique_bucket_prefix}-cancel"
    seaweed.minio().make_bucket(bucket)
    save_config(workspace.state_dir, checked(RemoteConfig(url=f"s3://{bucket}", endpoint=seaweed.url)))
    save_workspace_keys(workspace.state_dir, seaweed.admin.access_key, seaweed.admin.secret_key)
    src = write_yolo(tmp_path / "src", ["a"], {f"im{i:02d}.png": [yolo_line(0, 0.5, 0.5, 0.2, 0.2)] for i in range(40)})
    import_folder(
        service,
        ImportDatasetParams(path=str(src), format="yolo", name="parts"),
        JobRecorder(store=workspace.store, scratch_dir=tmp_path / "import", workspace_root=workspace.root),
    )
    job = CancelWhileUploading(store=workspace.store, scratch_dir=tmp_path / "scratch", workspace_root=workspace.root)
    params = ExportDatasetParams(dataset="parts", out=f"s3://{bucket}/datasets/parts", format="yolo")
    with pytest.raises(JobCancelled):
        export_dataset(service, params, job)
    assert job.progress_calls[-1] == (49, 81)  # 80 files + data.yaml: cancelled before the 50th
    assert list(seaweed.minio().list_objects(bucket, recursive=True)) == []
    assert any("removed the 49 files of the unfinished export" in message for _, message in job.logs)
