"""Everything a SageMaker dispatch will do, decided before it does any of it.

``plan_dispatch`` checks the training exactly as a local run would (the local kinds' own ``prepare``), the
target, the remote and the credentials, and builds the complete CreateTrainingJob request and the cost
estimate. A dry run shows the plan; a launch carries it out. A missing remote, credentials, role or region
fails here, before anything is uploaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from backend.cloud.sagemaker.estimate import CostEstimate, estimate_cost
from backend.cloud.sagemaker.images import training_image
from backend.cloud.sagemaker.params import (
    CLEAN_IN_CHANNEL,
    DETECTION,
    ENDPOINT_VARIABLE,
    RESTORATION,
    START_CHANNEL,
    START_PREFIX,
    START_WEIGHTS,
    TEACHER_CHANNEL,
    SageMakerTrainParams,
    default_region,
    default_role,
    new_training_job_name,
    params_of,
    target_of,
)
from backend.cloud.sagemaker.request import JOB_NAME, TrainingRequestInputs, training_request
from backend.cloud.sagemaker.source import ENTRY_SCRIPT, SourceArchive, build_source_archive
from backend.cloud.sagemaker.target import SageMakerTarget, checked_target
from backend.storage import credentials
from backend.storage.remote_config import RemoteConfig, load_config
from backend.workspace import Workspace
from omni_core.errors import FailedPrecondition, InvalidArgument, shown
from omni_core.tiers import AUTO_PRESET

TRAINING_CHANNEL = "training"
#: what the entry point finds in the training channel of a detection run
DATA_YAML = "data.yaml"
#: training parameters that name local things; the container gets channels instead
LOCAL_ONLY = {RESTORATION: ("data", "clean"), DETECTION: ("data", "dataset", "statuses", "val_fraction")}


@dataclass(frozen=True)
class Upload:
    """Something a launch puts on the remote before creating the job."""

    what: str  # "pairs" (a folder of clean/degraded), "clean" (a folder of clean images, degraded in the job),
    #            "dataset" (a YOLO export), "data" (a data.yaml's folder),
    #            "start" (a starting checkpoint), "teacher" (a distilled run's teacher), "source" (the code archive)
    source: str  # a local folder or file, or a dataset name
    key: str  # the key (a prefix for folders) on the remote
    uri: str


@dataclass(frozen=True)
class DispatchPlan:
    kind: str
    training: Any  # the local kind's checked params
    target: SageMakerTarget
    job_name: str
    uploads: tuple[Upload, ...]
    source: SourceArchive
    request: dict[str, Any]
    estimate: CostEstimate
    remote: RemoteConfig

    @property
    def checkpoint_key(self) -> str:
        return checkpoint_prefix(self.job_name)


def checkpoint_prefix(job_name: str) -> str:
    return f"training-outputs/checkpoints/{job_name}/"


def output_prefix() -> str:
    return "training-outputs/sagemaker/"


def s3_uri(remote: RemoteConfig, key: str) -> str:
    bucket, name = remote.locate(key)
    return f"s3://{bucket}/{name}"


def require_aws_remote(workspace: Workspace, environ_endpoint: str) -> RemoteConfig:
    remote = load_config(workspace.state_dir)
    if remote is None:
        raise FailedPrecondition(
            "SageMaker reads its data from S3 and this workspace has no remote; "
            "set one with omni remote set s3://BUCKET/PREFIX --region REGION",
            field="remote",
        )
    if remote.endpoint and not environ_endpoint:
        raise FailedPrecondition(
            f"the workspace's remote is at {remote.endpoint}, which SageMaker cannot read; "
            "SageMaker needs the remote on AWS S3 (omni remote set s3://BUCKET/PREFIX without --endpoint)",
            field="remote",
        )
    return remote


def _training_params(params: SageMakerTrainParams, workspace: Workspace, resuming: bool) -> tuple[str, Any]:
    kind = params.training_kind
    if kind == RESTORATION:
        from backend.restoration.jobs import prepare_training as prepare_restoration
        from backend.restoration.params import TrainRestorationParams

        # a field left out is "not given", as in a local request: 0 and "" (a fine-tuning run takes its start's)
        given = {"layer": 0, "preset": "", "data": "", **params.restoration}
        local = params_of(TrainRestorationParams, given, "restoration")
        if local.preset.lower() == AUTO_PRESET:
            raise InvalidArgument(
                "restoration.preset",
                f"{AUTO_PRESET} measures the CPU the fast tier will run on, not a SageMaker instance: choose tiny, "
                "mini, small or base (train here with auto to see which this CPU runs at the tier's speed)",
            )
        return kind, prepare_restoration(local, workspace, resuming).params
    from backend.detection.jobs import prepare_training as prepare_detection
    from backend.detection.params import TrainDetectionParams

    local = params_of(TrainDetectionParams, params.detection, "detection")
    return kind, prepare_detection(local, workspace, resuming).params


def _uploads(kind: str, training: Any, job_name: str, remote: RemoteConfig) -> list[Upload]:
    prefix = f"training-data/sagemaker/{job_name}/"
    uploads: list[Upload] = []
    if kind == RESTORATION:
        what, folder = ("clean", training.clean) if training.clean else ("pairs", training.data)
        uploads.append(Upload(what, folder, prefix, s3_uri(remote, prefix)))
    elif training.dataset:
        uploads.append(Upload("dataset", training.dataset, prefix, s3_uri(remote, prefix)))
    else:
        uploads.append(Upload("data", str(Path(training.data).parent), prefix, s3_uri(remote, prefix)))
    if kind == DETECTION:
        name, start = start_file(training.model), training.model
    else:  # a fine-tuned restoration: the version's weights; its name stays the start_from hyperparameter
        name, start = (START_WEIGHTS if training.start_from else None), training.start_from
    if name:
        key = f"training-outputs/sagemaker/{job_name}/{START_CHANNEL}/{name}"
        uploads.append(Upload(START_CHANNEL, start, key, s3_uri(remote, key.rpartition("/")[0] + "/")))
    if kind == RESTORATION and training.teacher:  # a distilled run: its teacher's weights, in a channel of their own
        key = f"training-outputs/sagemaker/{job_name}/{TEACHER_CHANNEL}/{START_WEIGHTS}"
        uploads.append(Upload(TEACHER_CHANNEL, training.teacher, key, s3_uri(remote, key.rpartition("/")[0] + "/")))
    return uploads


def start_file(model: str) -> str | None:
    """The name a detection's starting model has in the ``start`` channel (a checkpoint, a registered version's
    weights, an architecture file of the workspace), or None for one of Ultralytics' built-in architectures."""
    if model.endswith((".yaml", ".yml")):
        return Path(model).name if Path(model).is_absolute() else None
    return START_WEIGHTS


def _hyperparameters(kind: str, training: Any) -> dict[str, Any]:
    values = {name: value for name, value in vars(training).items() if name not in LOCAL_ONLY[kind]}
    values = {name: list(value) if isinstance(value, tuple) else value for name, value in values.items()}
    if kind == RESTORATION and training.clean:
        values["clean"] = CLEAN_IN_CHANNEL
    if kind == DETECTION:
        values["data"] = DATA_YAML
        name = start_file(training.model)
        if name:
            values["model"] = f"{START_PREFIX}{name}"
    return {"omni_kind": kind, **values}


def plan_dispatch(
    params: SageMakerTrainParams, workspace: Workspace, *, resuming: bool = False, environ_endpoint: str = ""
) -> DispatchPlan:
    kind, training = _training_params(params, workspace, resuming)
    remote = require_aws_remote(workspace, environ_endpoint)
    credentials.resolve(remote, workspace.state_dir)  # no credentials: FailedPrecondition naming where it looked
    region = default_region(remote.region)
    target = checked_target(target_of(params), default_role=default_role(), default_region=region)
    job_name = params.training_job_name or new_training_job_name(kind)
    if not JOB_NAME.fullmatch(job_name):
        why = f"{shown(job_name)} is not a SageMaker job name (1-63 of a-z A-Z 0-9 -, starting with a letter or digit)"
        raise InvalidArgument("training_job_name", why)
    image = target.image or training_image(target.region, target.instance_type)
    target = replace(target, image=image)
    source = build_source_archive()
    source_key = f"{output_prefix()}source/{source.key_name}"
    uploads = _uploads(kind, training, job_name, remote)
    uploads.append(Upload("source", "this backend's code", source_key, s3_uri(remote, source_key)))
    channels = {TRAINING_CHANNEL: uploads[0].uri}
    for item in uploads:
        if item.what in (START_CHANNEL, TEACHER_CHANNEL):  # these uploads are named after their channels
            channels[item.what] = item.uri
    request = training_request(
        TrainingRequestInputs(
            job_name=job_name,
            target=target,
            image_uri=image,
            source_uri=s3_uri(remote, source_key),
            entry_point=ENTRY_SCRIPT,
            channels=channels,
            output_uri=s3_uri(remote, output_prefix()),
            checkpoint_uri=s3_uri(remote, checkpoint_prefix(job_name)),
            hyperparameters=_hyperparameters(kind, training),
            tags={"omni:kind": kind},
        )
    )
    return DispatchPlan(
        kind=kind,
        training=training,
        target=target,
        job_name=job_name,
        uploads=tuple(uploads),
        source=source,
        request=request,
        estimate=estimate_cost(target),
        remote=remote,
    )


def endpoint_override() -> str:
    return os.environ.get(ENDPOINT_VARIABLE, "")
