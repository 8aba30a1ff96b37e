"""PlanTraining through a real backend: the complete CreateTrainingJob request and the cost, checked as a
local run is checked, accepted by moto's SageMaker API, and nothing created or uploaded."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import grpc
import pytest
from PIL import Image

from backend.registry import ModelRegistry
from backend.rpc.server import Backend
from backend.storage.credentials import save_workspace_keys
from backend.storage.remote_config import RemoteConfig, checked, save_config
from protos.omni.v1 import cloud_pb2, cloud_pb2_grpc, training_pb2
from tests.backend.conftest import TOKEN
from tests.s3_servers import MotoS3

ROLE = "arn:aws:iam::123456789012:role/omni-training"
BUCKET = "omni-plan"


@pytest.fixture
def cloud(backend: Backend) -> Iterator[cloud_pb2_grpc.CloudStub]:
    with grpc.insecure_channel(f"127.0.0.1:{backend.port}") as channel:
        yield cloud_pb2_grpc.CloudStub(channel)


def call(method: Callable[..., object], request: object) -> object:
    return method(request, metadata=[("authorization", f"Bearer {TOKEN}")], timeout=60)


def pairs_folder(root: Path) -> Path:
    for side in ("clean", "degraded"):
        (root / side).mkdir(parents=True)
        for index in range(3):
            Image.new("RGB", (32, 32), (index * 40, 90, 200)).save(root / side / f"p{index}.png")
    return root


def with_remote(backend: Backend, moto: MotoS3, *, endpoint: str | None = None) -> None:
    config = checked(RemoteConfig(url=f"s3://{BUCKET}/team", endpoint=endpoint or moto.url, region="eu-west-1"))
    save_config(backend.workspace.state_dir, config)
    save_workspace_keys(backend.workspace.state_dir, "testkey", "testsecret")


def spot_spec(data: str, **target: object) -> cloud_pb2.SageMakerTrainSpec:
    values: dict[str, object] = {"spot": True, "max_run_seconds": 14400, "max_wait_seconds": 18000}
    values.update(target)
    return cloud_pb2.SageMakerTrainSpec(
        restoration=training_pb2.TrainRestorationSpec(data=data, layer=1, epochs=3, preset="mini", seed=7),
        target=cloud_pb2.SageMakerTarget(**values),  # type: ignore[arg-type]
    )


@pytest.fixture
def sagemaker_env(monkeypatch: pytest.MonkeyPatch, moto_s3: MotoS3) -> None:
    monkeypatch.setenv("OMNI_SAGEMAKER_ENDPOINT_URL", moto_s3.url)
    monkeypatch.setenv("OMNI_SAGEMAKER_ROLE", ROLE)


@pytest.mark.usefixtures("sagemaker_env")
def test_plan_is_the_complete_request_and_creates_nothing(
    backend: Backend, cloud: cloud_pb2_grpc.CloudStub, moto_s3: MotoS3
) -> None:
    with_remote(backend, moto_s3)
    pairs_folder(backend.workspace.root / "pairs")
    plan = call(cloud.PlanTraining, spot_spec("pairs"))
    assert isinstance(plan, cloud_pb2.PlanTrainingResponse)
    request = json.loads(plan.request_json)
    name = plan.training_job_name
    assert request["TrainingJobName"] == name and name.startswith("omni-restoration-")
    assert request["EnableManagedSpotTraining"] is True and request["RoleArn"] == ROLE
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 14400, "MaxWaitTimeInSeconds": 18000}
    assert request["CheckpointConfig"]["S3Uri"] == f"s3://{BUCKET}/team/training-outputs/checkpoints/{name}/"
    [channel] = request["InputDataConfig"]
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{BUCKET}/team/training-data/sagemaker/{name}/"
    hyper = {key: json.loads(value) for key, value in request["HyperParameters"].items()}
    assert hyper["omni_kind"] == "train_restoration" and hyper["layer"] == 1 and hyper["seed"] == 7
    assert "data" not in hyper  # the container reads its channel, not a path of this machine
    assert "eu-west-1" in request["AlgorithmSpecification"]["TrainingImage"]
    assert plan.estimate.max_usd_on_demand == pytest.approx(0.736 * 4, abs=0.01)
    assert "Estimate only" in plan.estimate.summary
    assert any(uri.endswith(".tar.gz") for uri in plan.uploads)
    sagemaker = boto3.client(
        "sagemaker",
        endpoint_url=moto_s3.url,
        region_name="eu-west-1",
        aws_access_key_id="testkey",
        aws_secret_access_key="testsecret",
    )
    assert name not in [job["TrainingJobName"] for job in sagemaker.list_training_jobs()["TrainingJobSummaries"]]
    s3 = boto3.client(
        "s3",
        endpoint_url=moto_s3.url,
        region_name="eu-west-1",
        aws_access_key_id="testkey",
        aws_secret_access_key="testsecret",
    )
    assert BUCKET not in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]
    sagemaker.create_training_job(**request)  # the request as planned is one the API accepts
    assert sagemaker.describe_training_job(TrainingJobName=name)["EnableManagedSpotTraining"] is True


@pytest.mark.usefixtures("sagemaker_env")
@pytest.mark.parametrize(
    ("target", "field"),
    [
        ({"max_run_seconds": 7200, "max_wait_seconds": 3600}, "max_wait_seconds"),
        ({"instance_type": "ml.nope.xlarge"}, "instance_type"),
    ],
)
def test_bad_targets_are_invalid_arguments_naming_the_field(
    backend: Backend, cloud: cloud_pb2_grpc.CloudStub, moto_s3: MotoS3, target: dict[str, object], field: str
) -> None:
    with_remote(backend, moto_s3)
    pairs_folder(backend.workspace.root / "pairs")
    with pytest.raises(grpc.RpcError) as error:
        call(cloud.PlanTraining, spot_spec("pairs", **target))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith(f"{field}:")
    if field == "max_wait_seconds":
        assert "max_run_seconds" in error.value.details()


@pytest.mark.usefixtures("sagemaker_env")
def test_training_is_checked_as_a_local_run_is(
    backend: Backend, cloud: cloud_pb2_grpc.CloudStub, moto_s3: MotoS3
) -> None:
    with_remote(backend, moto_s3)
    with pytest.raises(grpc.RpcError) as error:
        call(cloud.PlanTraining, spot_spec("no-such-folder"))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith("data:")


def test_missing_remote_role_or_aws_remote_fail_before_anything(
    backend: Backend, cloud: cloud_pb2_grpc.CloudStub, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs_folder(backend.workspace.root / "pairs")
    monkeypatch.delenv("OMNI_SAGEMAKER_ROLE", raising=False)
    monkeypatch.setenv("OMNI_SAGEMAKER_ENDPOINT_URL", moto_s3.url)
    with pytest.raises(grpc.RpcError) as error:
        call(cloud.PlanTraining, spot_spec("pairs"))
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "no remote" in error.value.details()
    with_remote(backend, moto_s3)
    with pytest.raises(grpc.RpcError) as error:
        call(cloud.PlanTraining, spot_spec("pairs"))
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "OMNI_SAGEMAKER_ROLE" in error.value.details()
    monkeypatch.setenv("OMNI_SAGEMAKER_ROLE", ROLE)
    monkeypatch.delenv("OMNI_SAGEMAKER_ENDPOINT_URL")
    with pytest.raises(grpc.RpcError) as error:  # a MinIO remote: SageMaker cannot read it
        call(cloud.PlanTraining, spot_spec("pairs"))
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "AWS S3" in error.value.details()


def test_instance_types_come_with_their_prices(backend: Backend, cloud: cloud_pb2_grpc.CloudStub) -> None:
    listing = call(cloud.ListInstanceTypes, cloud_pb2.ListInstanceTypesRequest())
    assert isinstance(listing, cloud_pb2.ListInstanceTypesResponse)
    by_name = {item.name: item for item in listing.instance_types}
    assert by_name["ml.g4dn.xlarge"].gpus == 1 and by_name["ml.g4dn.xlarge"].usd_per_hour > 0
    assert "us-east-1" in listing.price_source


@pytest.mark.usefixtures("sagemaker_env")
def test_what_only_this_backend_can_do_is_refused_for_the_cloud(
    backend: Backend, cloud: cloud_pb2_grpc.CloudStub, moto_s3: MotoS3, tmp_path: Path
) -> None:
    with_remote(backend, moto_s3)
    spec = spot_spec(str(pairs_folder(tmp_path / "pairs")))
    spec.restoration.preset = "auto"  # auto measures this CPU
    with pytest.raises(grpc.RpcError) as error:
        call(cloud.PlanTraining, spec)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (
        error.value.details().startswith("restoration.preset:") and "not a SageMaker instance" in error.value.details()
    )


@pytest.mark.usefixtures("sagemaker_env")
def test_a_fine_tuned_distilled_run_sends_its_start_and_teacher_weights_in_channels(
    backend: Backend, cloud: cloud_pb2_grpc.CloudStub, moto_s3: MotoS3, tmp_path: Path
) -> None:
    with_remote(backend, moto_s3)
    (tmp_path / "model.pt").write_bytes(b"weights")  # the plan reads the registry only
    registry = ModelRegistry(backend.workspace.store)
    card = {"architecture": "layer1", "preset": "layer1-mini"}
    start = registry.register("layer_1", {"weights": tmp_path / "model.pt"}, card)
    card = {"architecture": "restormer", "preset": "layer2-mini"}
    teacher = registry.register("layer_2", {"weights": tmp_path / "model.pt"}, card)
    spec = spot_spec(str(pairs_folder(tmp_path / "pairs")))
    spec.restoration.start_from, spec.restoration.layer, spec.restoration.preset = start.version, 0, ""
    spec.restoration.teacher = teacher.version
    plan = call(cloud.PlanTraining, spec)
    assert isinstance(plan, cloud_pb2.PlanTrainingResponse)
    request, name = json.loads(plan.request_json), plan.training_job_name
    channels = {item["ChannelName"]: item["DataSource"]["S3DataSource"]["S3Uri"] for item in request["InputDataConfig"]}
    for channel in ("start", "teacher"):
        assert channels[channel] == f"s3://{BUCKET}/team/training-outputs/sagemaker/{name}/{channel}/"
        assert channels[channel] in plan.uploads
    hyper = {key: json.loads(value) for key, value in request["HyperParameters"].items()}
    assert (hyper["start_from"], hyper["layer"], hyper["preset"]) == (start.version, 1, "mini")  # the start's
    assert hyper["teacher"] == teacher.version


@pytest.mark.usefixtures("sagemaker_env")
def test_a_run_from_clean_images_sends_the_folder_as_its_channel_and_says_so(
    backend: Backend, cloud: cloud_pb2_grpc.CloudStub, moto_s3: MotoS3
) -> None:
    with_remote(backend, moto_s3)
    photos = backend.workspace.root / "my photos"
    photos.mkdir()
    for index in range(3):
        Image.new("RGB", (48, 40), (index * 60, 120, 30)).save(photos / f"IMG_{index}.jpg")
    spec = cloud_pb2.SageMakerTrainSpec(
        restoration=training_pb2.TrainRestorationSpec(clean="my photos", domain="photo", layer=1, preset="base"),
        target=cloud_pb2.SageMakerTarget(max_run_seconds=3600),
    )
    plan = call(cloud.PlanTraining, spec)
    assert isinstance(plan, cloud_pb2.PlanTrainingResponse)
    request = json.loads(plan.request_json)
    [channel] = request["InputDataConfig"]
    prefix = f"s3://{BUCKET}/team/training-data/sagemaker/{plan.training_job_name}/"
    assert channel["ChannelName"] == "training" and channel["DataSource"]["S3DataSource"]["S3Uri"] == prefix
    hyper = {key: json.loads(value) for key, value in request["HyperParameters"].items()}
    assert hyper["clean"] == "training channel" and hyper["domain"] == "photo" and "data" not in hyper
    assert "my photos" not in plan.request_json  # no path of this machine reaches the container
    assert prefix in plan.uploads

    spec.restoration.clean = "no such folder"  # checked as a local run is
    with pytest.raises(grpc.RpcError) as error:
        call(cloud.PlanTraining, spec)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and error.value.details().startswith("clean:")
