"""The CreateTrainingJob request of a dispatch, built whole before anything is sent.

The same dictionary is what ``--dry-run`` prints and what boto3 sends, so the dry run shows exactly the
request a launch would make. Hyperparameters follow the SageMaker framework containers' convention (each
value JSON-encoded, ``sagemaker_program`` / ``sagemaker_submit_directory`` naming the entry point and the
source archive), which is what the SageMaker SDK's estimators send too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backend.cloud.sagemaker.target import SageMakerTarget
from omni_core.errors import InvalidArgument, shown

#: where SageMaker mounts the checkpoint folder it syncs with ``checkpoint_uri`` (Spot resumes from it)
CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints"
#: the line the entry point prints per metric; SageMaker's MetricDefinitions and our log reader both parse it
METRIC_LINE_PREFIX = "omni-metric"
#: the metrics local runs emit, so a SageMaker run draws the same curves (SageMaker allows 40 definitions)
METRIC_NAMES = ("train/loss", "val/loss", "val/psnr", "val/ssim", "metrics/mAP50", "metrics/mAP50-95")

# SageMaker's limits on a CreateTrainingJob request
JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", re.ASCII)
MAX_HYPERPARAMETERS = 100
MAX_HYPERPARAMETER_KEY = 256
MAX_HYPERPARAMETER_VALUE = 2500
MAX_TAGS = 50
FULLY_REPLICATED = {"S3DataDistributionType": "FullyReplicated"}


@dataclass(frozen=True)
class TrainingRequestInputs:
    job_name: str
    target: SageMakerTarget
    image_uri: str
    #: the archive of this project's source (the entry point and the trainers it runs)
    source_uri: str
    entry_point: str
    #: channel name -> S3 prefix (SageMaker copies each to /opt/ml/input/data/NAME, SM_CHANNEL_NAME)
    channels: Mapping[str, str]
    output_uri: str
    checkpoint_uri: str
    hyperparameters: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)


def metric_definitions() -> list[dict[str, str]]:
    return [
        {"Name": name, "Regex": rf"{METRIC_LINE_PREFIX} {re.escape(name)}=([-+0-9.eE]+|nan|inf)"}
        for name in METRIC_NAMES
    ]


def encode_hyperparameters(values: Mapping[str, Any]) -> dict[str, str]:
    """Each value JSON-encoded (the framework containers' convention), within SageMaker's limits."""
    encoded = {str(key): json.dumps(value) for key, value in values.items()}
    if len(encoded) > MAX_HYPERPARAMETERS:
        raise InvalidArgument("hyperparameters", f"{len(encoded)} entries; SageMaker accepts {MAX_HYPERPARAMETERS}")
    for key, value in encoded.items():
        if len(key) > MAX_HYPERPARAMETER_KEY or len(value) > MAX_HYPERPARAMETER_VALUE:
            raise InvalidArgument(
                f"hyperparameters.{key[:40]}",
                f"{shown(value)} is over SageMaker's limit ({MAX_HYPERPARAMETER_KEY} characters per name, "
                f"{MAX_HYPERPARAMETER_VALUE} per value)",
            )
    return encoded


def training_request(inputs: TrainingRequestInputs) -> dict[str, Any]:
    """The keyword arguments of ``sagemaker.create_training_job`` for this dispatch."""
    if not JOB_NAME.fullmatch(inputs.job_name):
        why = f"{shown(inputs.job_name)} is not a SageMaker job name (1-63 of a-z A-Z 0-9 -)"
        raise InvalidArgument("job_name", why)
    target = inputs.target
    hyperparameters = encode_hyperparameters(
        {
            **inputs.hyperparameters,
            "sagemaker_program": inputs.entry_point,
            "sagemaker_submit_directory": inputs.source_uri,
            "sagemaker_region": target.region,
            "sagemaker_job_name": inputs.job_name,
        }
    )
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": target.max_run_seconds}
    if target.spot:
        stopping["MaxWaitTimeInSeconds"] = target.max_wait_seconds
    tags = [{"Key": key, "Value": value} for key, value in sorted(inputs.tags.items())][:MAX_TAGS]
    return {
        "TrainingJobName": inputs.job_name,
        "RoleArn": target.role,
        "AlgorithmSpecification": {
            "TrainingImage": inputs.image_uri,
            "TrainingInputMode": "File",
            "MetricDefinitions": metric_definitions(),
            "EnableSageMakerMetricsTimeSeries": True,
        },
        "HyperParameters": hyperparameters,
        "InputDataConfig": [
            {
                "ChannelName": name,
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri, **FULLY_REPLICATED}},
                "InputMode": "File",
            }
            for name, uri in sorted(inputs.channels.items())
        ],
        "OutputDataConfig": {"S3OutputPath": inputs.output_uri},
        "CheckpointConfig": {"S3Uri": inputs.checkpoint_uri, "LocalPath": CHECKPOINT_LOCAL_PATH},
        "ResourceConfig": {
            "InstanceType": target.instance_type,
            "InstanceCount": target.instance_count,
            "VolumeSizeInGB": target.volume_gb,
        },
        "StoppingCondition": stopping,
        "EnableManagedSpotTraining": target.spot,
        "Tags": tags,
    }
