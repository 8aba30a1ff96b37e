"""A SageMaker dispatch as a job, against a stand-in for AWS (moto on a thread; the test plays the cloud's part):
launch with the planned request, follow status and CloudWatch lines, register the returned model like a local
run, end failed with SageMaker's reason, cancel without hanging (moto's StopTrainingJob is not implemented), and
re-attach after a backend restart instead of launching twice."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.cloud.sagemaker.container import ContainerPaths
from backend.cloud.sagemaker.context import ContainerContext
from backend.cloud.sagemaker.monitor import metric_line
from backend.registry import ModelRegistry
from backend.restoration.archs import preset_for
from backend.restoration.params import TrainRestorationParams, validate_train_params
from backend.restoration.run import train_from_clean, train_from_data
from backend.restoration.trained import save_trained
from backend.restoration.trainer import TrainOutcome
from backend.rpc.server import Backend
from backend.storage.credentials import save_workspace_keys
from backend.storage.remote_config import RemoteConfig, checked, save_config
from desktop.client import BackendTarget, Connection
from protos.omni.v1 import cloud_pb2, detection_pb2, jobs_pb2, training_pb2
from tests.backend.cloud.sagemaker_cloud import REGION, Cloud, aws_stand_in
from tests.backend.conftest import TOKEN
from tests.helpers import wait_for, wait_for_state

ROLE = "arn:aws:iam::123456789012:role/omni-training"
SUCCEEDED, FAILED, CANCELLED = jobs_pb2.JOB_STATE_SUCCEEDED, jobs_pb2.JOB_STATE_FAILED, jobs_pb2.JOB_STATE_CANCELLED


@pytest.fixture(scope="module")
def cloud() -> Iterator[Cloud]:
    with aws_stand_in() as stand_in:
        yield stand_in


@pytest.fixture
def bucket(cloud: Cloud) -> str:
    name = f"omni-sm-{uuid.uuid4().hex[:8]}"
    cloud.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@pytest.fixture
def dispatching(
    cloud: Cloud, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], tuple[Backend, Connection]]:
    """A backend whose workspace remote is the stand-in's S3, with a folder of pairs; call it to start one
    (again: a restart on the same workspace)."""
    from backend.rpc.server import start_backend
    from backend.settings import ServerSettings

    monkeypatch.setenv("OMNI_SAGEMAKER_ENDPOINT_URL", cloud.url)
    monkeypatch.setenv("OMNI_SAGEMAKER_ROLE", ROLE)
    monkeypatch.setenv("OMNI_SAGEMAKER_POLL_SECONDS", "0.2")
    workspace = tmp_path / "ws"
    state = workspace / ".omni"
    state.mkdir(parents=True)
    save_config(state, checked(RemoteConfig(url=f"s3://{bucket}/team", endpoint=cloud.url, region=REGION)))
    save_workspace_keys(state, "testkey", "testsecret")
    write_pairs(workspace / "pairs", 6)
    started: list[tuple[Backend, Connection]] = []

    def start() -> tuple[Backend, Connection]:
        settings = ServerSettings(host="127.0.0.1", port=0, workspace=workspace, token=TOKEN, shutdown_grace_s=5.0)
        backend = start_backend(settings)
        client = Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN))
        started.append((backend, client))
        return backend, client

    yield start  # type: ignore[misc]
    for backend, client in started:
        client.close()
        backend.stop(grace_s=5.0)


def write_pairs(root: Path, count: int) -> Path:
    rng = np.random.default_rng(1)
    for index in range(count):
        clean = rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)
        noisy = np.clip(clean.astype(int) + rng.integers(-30, 30, clean.shape), 0, 255).astype(np.uint8)
        for side, pixels in (("clean", clean), ("degraded", noisy)):
            (root / side).mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(root / side / f"p{index}.png")
    return root


def spec() -> jobs_pb2.JobSpec:
    return jobs_pb2.JobSpec(
        train_sagemaker=cloud_pb2.SageMakerTrainSpec(
            restoration=training_pb2.TrainRestorationSpec(
                data="pairs", layer=1, preset="tiny", epochs=1, patch=16, batch_size=2, device="cpu"
            ),
            target=cloud_pb2.SageMakerTarget(spot=True, max_run_seconds=3600, max_wait_seconds=7200),
        )
    )


def launched(cloud: Cloud, client: Connection, job_id: str) -> str:
    """The SageMaker job the backend's job launched, once it exists."""

    def created() -> bool:
        job = client.get_job(job_id)
        assert job.state not in (SUCCEEDED, FAILED, CANCELLED), job.message
        return job.outputs.get("sagemaker_job", "") in cloud.job_names()

    wait_for(created, 120, what="the SageMaker job")
    return str(client.get_job(job_id).outputs["sagemaker_job"])


def model_archive(tmp_path: Path, clean: Path | None = None) -> bytes:
    """What the container leaves in SM_MODEL_DIR, trained here on tiny data (pairs, or the photos in ``clean``
    degraded on the fly), as SageMaker's model.tar.gz."""
    root = tmp_path / "container"
    paths = ContainerPaths(root, root / "model", root / "out", root / "checkpoints", {}, "container-job")
    ctx = ContainerContext(paths, scratch_dir=root / "scratch", out=io.StringIO())
    images = {"clean": str(clean), "domain": "photo"} if clean else {"data": str(write_pairs(root / "data", 4))}
    params = validate_train_params(
        TrainRestorationParams(
            **{"data": "", **images},  # type: ignore[arg-type]
            layer=1,
            preset="tiny",
            epochs=1,
            patch=16,
            device="cpu",
            num_workers=-1,
        )
    )
    outcome = TrainOutcome(config=preset_for(1, "tiny"))
    report: dict[str, object] = {}
    save_trained(
        paths.model_dir, outcome, (train_from_clean if clean else train_from_data)(params, ctx, outcome, report), report
    )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(paths.model_dir.iterdir()):
            archive.add(path, arcname=path.name)
    return buffer.getvalue()


def put_model(cloud: Cloud, name: str, data: bytes) -> None:
    uri = cloud.client("sagemaker").describe_training_job(TrainingJobName=name)["ModelArtifacts"]["S3ModelArtifacts"]
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    cloud.client("s3").put_object(Bucket=bucket, Key=key, Body=data)


@pytest.mark.timeout(300)
def test_a_completed_job_is_registered_like_a_local_run(
    cloud: Cloud, dispatching: Callable[[], tuple[Backend, Connection]], tmp_path: Path
) -> None:
    _, client = dispatching()
    job = client.submit(spec())
    name = launched(cloud, client, job.id)
    described = cloud.client("sagemaker").describe_training_job(TrainingJobName=name)
    assert described["EnableManagedSpotTraining"] is True
    assert described["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}
    channel = described["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]
    bucket, _, prefix = channel.removeprefix("s3://").partition("/")
    uploaded = cloud.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]
    assert len(uploaded) == 12  # 6 pairs, clean and degraded
    cloud.log(name, ["epoch 1/1 starting", metric_line("val/psnr", 21.5, epoch=1, step=3)])
    put_model(cloud, name, model_archive(tmp_path))
    cloud.finish(name, training=1000, billable=300)

    finished = wait_for_state(client, job.id, timeout=240)
    assert finished.state == SUCCEEDED, finished.message
    events = list(client.follow_job(job.id))
    metrics = [e.metric for e in events if e.WhichOneof("payload") == "metric"]
    assert any(m.name == "val/psnr" and m.value == pytest.approx(21.5) and m.epoch == 1 for m in metrics)
    logs = [e.log.message for e in events if e.WhichOneof("payload") == "log"]
    assert "epoch 1/1 starting" in logs and any("SageMaker: Completed" in line for line in logs)
    assert (finished.outputs["billable_seconds"], finished.outputs["spot_saving"]) == ("300", "70%")
    version = client.get_model(finished.outputs["model_version"])
    card = json.loads(version.card_json)
    assert card["sagemaker"]["training_job_name"] == name
    assert card["sagemaker"]["billable_seconds"] == 300 and card["sagemaker"]["spot_saving"] == pytest.approx(0.7)
    assert card["sagemaker"]["training_job_arn"].endswith(f"training-job/{name}")
    assert {"weights", "onnx"} <= set(version.files)
    assert "SageMaker" in client.get_report(job.id, "text") or name in client.get_report(job.id, "json")


@pytest.mark.timeout(300)
def test_a_failed_job_ends_failed_with_sagemakers_reason_and_a_report(
    cloud: Cloud, dispatching: Callable[[], tuple[Backend, Connection]]
) -> None:
    _, client = dispatching()
    job = client.submit(spec())
    name = launched(cloud, client, job.id)
    cloud.finish(name, status="Failed", reason="AlgorithmError: CUDA out of memory")
    finished = wait_for_state(client, job.id, timeout=120)
    assert finished.state == FAILED
    assert "CUDA out of memory" in finished.message and name in finished.message
    report = json.loads(client.get_report(job.id, "json"))
    assert report["state"] == "failed" and "CUDA out of memory" in report["error"]


@pytest.mark.timeout(300)
def test_cancel_asks_sagemaker_to_stop_and_does_not_hang(
    cloud: Cloud, dispatching: Callable[[], tuple[Backend, Connection]]
) -> None:
    _, client = dispatching()
    job = client.submit(spec())
    launched(cloud, client, job.id)
    client.cancel_job(job.id)
    finished = wait_for_state(client, job.id, timeout=60)
    assert finished.state == CANCELLED
    logs = [e.log.message for e in client.follow_job(job.id) if e.WhichOneof("payload") == "log"]
    assert any("StopTrainingJob failed" in line and "console" in line for line in logs)  # moto answers 500


@pytest.mark.timeout(300)
def test_a_restarted_backend_follows_the_job_it_launched(
    cloud: Cloud, dispatching: Callable[[], tuple[Backend, Connection]], tmp_path: Path
) -> None:
    backend, client = dispatching()
    job = client.submit(spec())
    name = launched(cloud, client, job.id)
    backend.stop(grace_s=5.0)
    _, again = dispatching()
    resumed = wait_for(
        lambda: next((j for j in again.list_jobs() if j.resumed_from == job.id), None), 60, what="the re-attached job"
    )
    put_model(cloud, name, model_archive(tmp_path))
    cloud.finish(name, training=50, billable=50)
    finished = wait_for_state(again, resumed.id, timeout=240)
    assert finished.state == SUCCEEDED, finished.message
    assert finished.outputs["sagemaker_job"] == name
    logs = [e.log.message for e in again.follow_job(resumed.id) if e.WhichOneof("payload") == "log"]
    assert any("following it, not launching again" in line for line in logs)
    assert cloud.job_names().count(name) == 1


def yolo_folder(root: Path) -> Path:
    rng = np.random.default_rng(4)
    for split, count in (("train", 4), ("val", 2)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for index in range(count):
            pixels = rng.integers(40, 200, (64, 64, 3), dtype=np.uint8)
            pixels[16:40, 20:44] = (220, 30, 30)
            Image.fromarray(pixels).save(root / "images" / split / f"{split}{index}.png")
            (root / "labels" / split / f"{split}{index}.txt").write_text("1 0.5 0.4375 0.375 0.375\n")
    (root / "data.yaml").write_text("path: .\ntrain: images/train\nval: images/val\nnames: [dent, rust]\n")
    return root / "data.yaml"


def play_sagemaker(cloud: Cloud, name: str, tmp_path: Path) -> bytes:
    """What SageMaker does with the job: the /opt/ml tree from the request (hyperparameters, the training channel
    copied from S3), the entry point run from the code, and SM_MODEL_DIR archived as model.tar.gz."""
    import os
    import subprocess
    import sys

    from backend.cloud.sagemaker.source import ENTRY_SCRIPT_TEXT

    described = cloud.client("sagemaker").describe_training_job(TrainingJobName=name)
    root = tmp_path / "opt-ml"
    (root / "input" / "config").mkdir(parents=True)
    tmp_path.mkdir(parents=True, exist_ok=True)
    (root / "input" / "config" / "hyperparameters.json").write_text(json.dumps(described["HyperParameters"]))
    s3 = cloud.client("s3")
    for channel in described["InputDataConfig"]:  # as SageMaker copies each channel before the container starts
        uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]:
            target = root / "input" / "data" / channel["ChannelName"] / item["Key"].removeprefix(prefix)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
    env = {
        **os.environ,
        "OMNI_SM_ROOT": str(root),
        "SM_TRAINING_ENV": json.dumps({"job_name": name}),
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        "OMNI_DENY_NETWORK": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", ENTRY_SCRIPT_TEXT], env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted((root / "model").iterdir()):
            archive.add(path, arcname=path.name)
    return buffer.getvalue()


@pytest.mark.timeout(900)
def test_a_detector_trained_on_sagemaker_is_registered_like_a_local_run(
    cloud: Cloud, dispatching: Callable[[], tuple[Backend, Connection]], tmp_path: Path
) -> None:
    backend, client = dispatching()
    yolo_folder(backend.workspace.root / "yolo")
    detection = detection_pb2.TrainDetectionSpec(
        data="yolo/data.yaml", epochs=2, imgsz=64, batch=2, device="cpu", workers=-1
    )
    spec = jobs_pb2.JobSpec(
        train_sagemaker=cloud_pb2.SageMakerTrainSpec(detection=detection, target=cloud_pb2.SageMakerTarget())
    )
    job = client.submit(spec)
    name = launched(cloud, client, job.id)
    put_model(cloud, name, play_sagemaker(cloud, name, tmp_path))
    cloud.finish(name, training=120, billable=120)
    finished = wait_for_state(client, job.id, timeout=300)
    assert finished.state == SUCCEEDED, finished.message
    version = client.get_model(finished.outputs["model_version"])
    card = json.loads(version.card_json)
    assert version.layer == "detector" and card["classes"] == ["dent", "rust"]
    assert card["sagemaker"]["training_job_name"] == name and card["epochs"] == 2
    assert {"weights", "onnx"} <= set(version.files)
    report = json.loads(client.get_report(job.id, "json"))
    assert report["state"] == "succeeded" and report["sagemaker"]["training_job_name"] == name

    # fine-tuning the version just registered: its weights go up as the start channel
    spec.train_sagemaker.detection.model, spec.train_sagemaker.detection.epochs = version.version, 1
    tuned = client.submit(spec)
    name = launched(cloud, client, tuned.id)
    described = cloud.client("sagemaker").describe_training_job(TrainingJobName=name)
    assert json.loads(described["HyperParameters"]["model"]) == "start:model.pt"
    assert [c["ChannelName"] for c in described["InputDataConfig"]] == ["start", "training"]
    put_model(cloud, name, play_sagemaker(cloud, name, tmp_path / "tuned"))
    cloud.finish(name, training=60, billable=60)
    finished = wait_for_state(client, tuned.id, timeout=300)
    assert finished.state == SUCCEEDED, finished.message
    card = json.loads(client.get_model(finished.outputs["model_version"]).card_json)
    assert card["parent_version"] == version.version and card["started_from"] == version.version


@pytest.mark.timeout(300)
def test_a_fine_tuned_distilled_run_uploads_its_start_and_teacher_and_records_them(
    cloud: Cloud, dispatching: Callable[[], tuple[Backend, Connection]], tmp_path: Path
) -> None:
    backend, client = dispatching()
    registry = ModelRegistry(backend.workspace.store)
    (tmp_path / "model.pt").write_bytes(b"the starting version's weights")
    start = registry.register(
        "layer_1", {"weights": tmp_path / "model.pt"}, {"architecture": "layer1", "preset": "layer1-tiny"}
    )
    (tmp_path / "model.pt").write_bytes(b"the teacher's weights")
    teacher = registry.register(
        "layer_2", {"weights": tmp_path / "model.pt"}, {"architecture": "restormer", "preset": "layer2-mini"}
    )
    request = spec()
    fine_tune = request.train_sagemaker.restoration
    fine_tune.start_from, fine_tune.layer, fine_tune.preset = start.version, 0, ""
    fine_tune.teacher = teacher.version
    job = client.submit(request)
    name = launched(cloud, client, job.id)
    described = cloud.client("sagemaker").describe_training_job(TrainingJobName=name)
    channels = {
        item["ChannelName"]: item["DataSource"]["S3DataSource"]["S3Uri"] for item in described["InputDataConfig"]
    }
    for channel, weights in (("start", b"the starting version's weights"), ("teacher", b"the teacher's weights")):
        bucket, _, prefix = channels[channel].removeprefix("s3://").partition("/")
        assert cloud.client("s3").get_object(Bucket=bucket, Key=prefix + "model.pt")["Body"].read() == weights
    put_model(cloud, name, model_archive(tmp_path))
    cloud.finish(name, training=100, billable=100)

    finished = wait_for_state(client, job.id, timeout=240)
    assert finished.state == SUCCEEDED, finished.message
    tuned = json.loads(client.get_model(finished.outputs["model_version"]).card_json)
    assert tuned["started_from"] == tuned["parent_version"] == start.version
    assert tuned["teacher"] == teacher.version


@pytest.mark.timeout(300)
def test_a_photo_model_trained_from_clean_images_is_registered_with_its_domain_and_real_image_scores(
    cloud: Cloud, dispatching: Callable[[], tuple[Backend, Connection]], tmp_path: Path
) -> None:
    backend, client = dispatching()
    photos = backend.workspace.root / "photos"
    photos.mkdir()
    rng = np.random.default_rng(6)
    for index in range(5):
        Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(photos / f"IMG_{index}.jpg")
    request = spec()
    restoration = request.train_sagemaker.restoration
    restoration.data, restoration.clean, restoration.domain = "", "photos", "photo"
    job = client.submit(request)
    name = launched(cloud, client, job.id)
    described = cloud.client("sagemaker").describe_training_job(TrainingJobName=name)
    bucket, _, prefix = (
        described["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"].removeprefix("s3://").partition("/")
    )
    uploaded = cloud.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]
    assert sorted(item["Key"].removeprefix(prefix) for item in uploaded) == [f"IMG_{i}.jpg" for i in range(5)]
    assert json.loads(described["HyperParameters"]["clean"]) == "training channel"
    put_model(cloud, name, model_archive(tmp_path, clean=photos))
    cloud.finish(name, training=100, billable=100)

    finished = wait_for_state(client, job.id, timeout=240)
    assert finished.state == SUCCEEDED, finished.message
    card = json.loads(client.get_model(finished.outputs["model_version"]).card_json)
    assert card["domain"] == "photo" and card["training_data"] == "clean images degraded on the fly"
    assert card["degradation"]["domain"] == "photo" and card["sagemaker"]["training_job_name"] == name
    report = json.loads(client.get_report(job.id, "json"))
    assert report["data"]["domain"] == "photo" and report["data"]["train_images"] >= 1
    assert set(report["real_images"]["domains"]) == {"photo", "document"}  # scored here, as a local run is
    assert report["real_images"]["domains"]["photo"]["count"] > 0
