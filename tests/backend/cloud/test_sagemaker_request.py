"""A dispatch's target, cost estimate and CreateTrainingJob request, checked here and accepted by moto's
SageMaker API (a real HTTP endpoint; botocore also validates the request's shape before sending it)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import boto3
import pytest

from backend.cloud.sagemaker.estimate import estimate_cost
from backend.cloud.sagemaker.images import training_image
from backend.cloud.sagemaker.instances import TRAINING_INSTANCES, TYPICAL_SPOT_SAVING
from backend.cloud.sagemaker.request import (
    CHECKPOINT_LOCAL_PATH,
    MAX_HYPERPARAMETER_VALUE,
    TrainingRequestInputs,
    metric_definitions,
    training_request,
)
from backend.cloud.sagemaker.target import SageMakerTarget, checked_target
from omni_core.errors import FailedPrecondition, InvalidArgument
from tests.s3_servers import MotoS3

ROLE = "arn:aws:iam::123456789012:role/omni-training"


def spot_target(**changes: object) -> SageMakerTarget:
    base = SageMakerTarget(spot=True, max_run_seconds=14400, max_wait_seconds=18000, role=ROLE, region="eu-west-1")
    return checked_target(replace(base, **changes))  # type: ignore[arg-type]


def inputs(target: SageMakerTarget, **changes: object) -> TrainingRequestInputs:
    base = TrainingRequestInputs(
        job_name="omni-train-detection-1a2b3c4d",
        target=target,
        image_uri="763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.5-gpu-py311",
        source_uri="s3://omni/training-outputs/sagemaker/source/abc.tar.gz",
        entry_point="omni_sagemaker_entry.py",
        channels={"training": "s3://omni/training-data/datasets/cars/"},
        output_uri="s3://omni/training-outputs/sagemaker/",
        checkpoint_uri="s3://omni/training-outputs/checkpoints/omni-train-detection-1a2b3c4d/",
        hyperparameters={"kind": "train_detection", "epochs": 50, "imgsz": 640, "augment": ["fliplr=0.5"]},
        tags={"omni:job": "1a2b3c4d"},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_defaults_are_the_users_second_system() -> None:
    target = checked_target(SageMakerTarget(spot=True, role=ROLE, region="us-east-1"))
    assert (target.instance_type, target.instance_count) == ("ml.g4dn.xlarge", 1)
    assert (target.max_run_seconds, target.max_wait_seconds) == (14400, 18000)
    on_demand = checked_target(SageMakerTarget(role=ROLE, region="us-east-1"))
    assert on_demand.max_wait_seconds == 0


def test_max_wait_below_max_run_names_both() -> None:
    with pytest.raises(InvalidArgument) as error:
        spot_target(max_run_seconds=7200, max_wait_seconds=3600)
    assert error.value.field == "max_wait_seconds"
    assert "max_run_seconds" in error.value.message


def test_unknown_instance_type_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidArgument) as error:
        spot_target(instance_type="ml.g4dn.huge")
    assert error.value.field == "instance_type"
    assert all(name in error.value.message for name in TRAINING_INSTANCES)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"role": "omni-training"}, "role"),
        ({"region": "mars-north-1x"}, "region"),
        ({"image": "not an image"}, "image"),
        ({"instance_count": 3}, "instance_count"),
        ({"max_run_seconds": 10}, "max_run_seconds"),
        ({"volume_gb": 999_999}, "volume_gb"),
    ],
)
def test_bad_values_name_their_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        spot_target(**changes)
    assert error.value.field == field


def test_missing_role_or_region_is_a_precondition_with_the_fix() -> None:
    with pytest.raises(FailedPrecondition, match="OMNI_SAGEMAKER_ROLE"):
        checked_target(SageMakerTarget(region="eu-west-1"))
    with pytest.raises(FailedPrecondition, match="--region"):
        checked_target(SageMakerTarget(role=ROLE))
    assert checked_target(SageMakerTarget(), default_role=ROLE, default_region="eu-west-1").role == ROLE


def test_wait_without_spot_is_refused() -> None:
    with pytest.raises(InvalidArgument) as error:
        checked_target(SageMakerTarget(role=ROLE, region="eu-west-1", max_wait_seconds=18000))
    assert error.value.field == "max_wait_seconds"


def test_estimate_is_price_times_hours_with_the_spot_saving_stated() -> None:
    estimate = estimate_cost(spot_target())
    price = TRAINING_INSTANCES["ml.g4dn.xlarge"].usd_per_hour
    assert estimate.max_usd_on_demand == pytest.approx(price * 4, abs=0.01)
    assert estimate.max_usd_expected == pytest.approx(price * 4 * (1 - TYPICAL_SPOT_SAVING), abs=0.01)
    text = estimate.describe()
    assert "Estimate only" in text and "us-east-1" in text and "Spot" in text
    on_demand = estimate_cost(checked_target(SageMakerTarget(role=ROLE, region="eu-west-1", max_run_seconds=1800)))
    assert on_demand.max_usd_expected == on_demand.max_usd_on_demand == pytest.approx(price / 2, abs=0.01)


def test_request_carries_spot_limits_checkpoint_channels_and_hyperparameters() -> None:
    request = training_request(inputs(spot_target()))
    assert request["EnableManagedSpotTraining"] is True
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 14400, "MaxWaitTimeInSeconds": 18000}
    assert request["CheckpointConfig"]["LocalPath"] == CHECKPOINT_LOCAL_PATH
    hyper = {key: json.loads(value) for key, value in request["HyperParameters"].items()}
    assert hyper["epochs"] == 50 and hyper["augment"] == ["fliplr=0.5"]
    assert hyper["sagemaker_program"] == "omni_sagemaker_entry.py"
    assert hyper["sagemaker_submit_directory"].endswith("abc.tar.gz")
    assert [c["ChannelName"] for c in request["InputDataConfig"]] == ["training"]
    on_demand = training_request(inputs(checked_target(SageMakerTarget(role=ROLE, region="eu-west-1"))))
    assert "MaxWaitTimeInSeconds" not in on_demand["StoppingCondition"]


def test_request_refuses_what_sagemaker_would() -> None:
    with pytest.raises(InvalidArgument) as error:
        training_request(inputs(spot_target(), job_name="omni_train_detection"))
    assert error.value.field == "job_name"
    with pytest.raises(InvalidArgument) as error:
        training_request(inputs(spot_target(), hyperparameters={"notes": "x" * MAX_HYPERPARAMETER_VALUE}))
    assert error.value.field == "hyperparameters.notes"


def test_metric_regexes_read_the_entry_points_lines() -> None:
    log = "omni-metric val/psnr=23.5 omni-metric val/loss=0.012"
    found = {d["Name"]: re.search(d["Regex"], log) for d in metric_definitions()}
    assert found["val/psnr"] is not None and float(found["val/psnr"].group(1)) == 23.5
    assert found["val/loss"] is not None and float(found["val/loss"].group(1)) == 0.012
    assert found["train/loss"] is None


def test_moto_accepts_the_request_and_describes_it_back(moto_s3: MotoS3) -> None:
    client = boto3.client(
        "sagemaker",
        endpoint_url=moto_s3.url,
        region_name="eu-west-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    request = training_request(inputs(spot_target()))
    client.create_training_job(**request)
    described = client.describe_training_job(TrainingJobName=request["TrainingJobName"])
    assert described["EnableManagedSpotTraining"] is True
    assert described["StoppingCondition"]["MaxWaitTimeInSeconds"] == 18000
    assert described["CheckpointConfig"]["S3Uri"] == request["CheckpointConfig"]["S3Uri"]
    assert described["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"].endswith("/datasets/cars/")
    assert described["HyperParameters"]["epochs"] == "50"


def test_the_sdk_names_the_regions_pytorch_training_image() -> None:
    gpu = training_image("eu-west-1", "ml.g4dn.xlarge")
    assert gpu.startswith("763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:") and "gpu" in gpu
    assert "cpu" in training_image("us-east-1", "ml.m5.xlarge")
    with pytest.raises(FailedPrecondition, match="--image"):
        training_image("xx-nowhere-9", "ml.g4dn.xlarge")


def test_status_transitions_and_metric_lines_read_back() -> None:
    from backend.cloud.sagemaker.monitor import metric_line, metric_points, read_status, transition_lines

    described = {
        "TrainingJobStatus": "Completed",
        "SecondaryStatus": "Completed",
        "TrainingJobArn": "arn:aws:sagemaker:eu-west-1:123456789012:training-job/omni-x",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://omni/out/omni-x/output/model.tar.gz"},
        "TrainingTimeInSeconds": 1000,
        "BillableTimeInSeconds": 300,
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StatusMessage": "Preparing the instances for training"},
            {"Status": "Training", "StatusMessage": "Training image download completed."},
            {"Status": "Completed", "StatusMessage": "Training job completed"},
        ],
    }
    status = read_status(described)
    assert status.terminal and status.model_uri.endswith("model.tar.gz")
    assert status.spot_saving == pytest.approx(0.7)
    assert transition_lines(described, 1) == [
        "SageMaker: Training - Training image download completed.",
        "SageMaker: Completed - Training job completed",
    ]
    line = metric_line("val/psnr", 23.456789, epoch=3, step=120)
    [point] = metric_points(f"2026-12-03 12:00:00 {line}")
    assert (point.name, point.epoch, point.step) == ("val/psnr", 3, 120)
    assert point.value == pytest.approx(23.4568)
    assert metric_points("epoch 3/10 loss 0.1") == []
    [definition] = [d for d in metric_definitions() if d["Name"] == "val/psnr"]
    assert re.search(definition["Regex"], line) is not None
