"""Serverless SageMaker endpoints for registered versions (detectors: photo in, JSON out; restoration networks:
photo in, PNG out): deploy (a job), list, invoke, delete.

boto3 throughout: sagemaker-core's EndpointConfig serialises a serverless variant's ``MemorySizeInMb`` where
the API wants ``MemorySizeInMB`` (an open upstream bug that breaks real AWS too), so the SDK's resource classes
are not used. Deploying creates three resources, each named as the endpoint: the model (the archive of
``model_archive``), an endpoint configuration with ServerlessConfig, and the endpoint; then waits for InService.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from backend.cloud.sagemaker.inference import DETECTOR, RESTORATION
from backend.cloud.sagemaker.params import ROLE_VARIABLE, default_region, default_role
from backend.cloud.sagemaker.plan import endpoint_override, require_aws_remote, s3_uri
from backend.cloud.sagemaker.target import REGION, ROLE_ARN
from backend.jobs.context import JobContext
from backend.jobs.kind import JobKind, Prepared
from backend.workspace import Workspace
from omni_core.errors import FailedPrecondition, InvalidArgument, NotFound, shown

DEFAULT_MEMORY_MB = 2048
MEMORY_STEPS_MB = (1024, 2048, 3072, 4096, 5120, 6144)
DEFAULT_MAX_CONCURRENCY = 5
MAX_CONCURRENCY = 200
ENDPOINT_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", re.ASCII)
VERSION_TAG = "omni:version"
#: how long a deploy waits for InService (serverless endpoints usually take a few minutes)
DEPLOY_TIMEOUT_S = 30 * 60
INFERENCE_PYTORCH = "2.5"
DETECTOR_LAYER = "detector"


@dataclass(frozen=True)
class DeployParams:
    version: str = ""
    name: str = ""
    memory_mb: int = 0
    max_concurrency: int = 0
    conf: float = 0.0
    iou: float = 0.0
    max_det: int = 0
    role: str = ""
    region: str = ""
    image: str = ""


def endpoint_name_for(version: str) -> str:
    return ("omni-" + re.sub(r"[^a-zA-Z0-9]+", "-", version)).strip("-")[:63]


def checked_deploy(params: DeployParams, workspace: Workspace) -> DeployParams:
    from backend.detection.models import resolve_detector
    from backend.detection.params import DEFAULT_CONF, DEFAULT_IOU, DEFAULT_MAX_DET
    from backend.registry.shared import open_registry

    registry = open_registry(workspace.store, workspace.state_dir)
    named = registry.get(params.version) if params.version not in ("", "current") else None
    if named is not None and named.layer != DETECTOR_LAYER:
        model = named  # a restoration network: image in, image out
        if "onnx" not in model.files:
            raise FailedPrecondition(f"{model.version} has no ONNX export to serve", field="version")
    else:
        model = resolve_detector(registry, params.version)
    remote = require_aws_remote(workspace, endpoint_override())
    p = replace(
        params,
        version=model.version,
        name=params.name or endpoint_name_for(model.version),
        memory_mb=params.memory_mb or DEFAULT_MEMORY_MB,
        max_concurrency=params.max_concurrency or DEFAULT_MAX_CONCURRENCY,
        conf=params.conf or DEFAULT_CONF,
        iou=params.iou or DEFAULT_IOU,
        max_det=params.max_det or DEFAULT_MAX_DET,
        role=params.role or default_role(),
        region=params.region or default_region(remote.region),
    )
    if not ENDPOINT_NAME.fullmatch(p.name):
        raise InvalidArgument("name", f"{shown(p.name)} is not an endpoint name (1-63 of a-z A-Z 0-9 -)")
    if p.memory_mb not in MEMORY_STEPS_MB:
        raise InvalidArgument("memory_mb", f"{p.memory_mb}: serverless memory is one of {MEMORY_STEPS_MB} MB")
    if not 1 <= p.max_concurrency <= MAX_CONCURRENCY:
        raise InvalidArgument("max_concurrency", f"{p.max_concurrency}: must be between 1 and {MAX_CONCURRENCY}")
    for field, value in (("conf", p.conf), ("iou", p.iou)):
        if not 0 < value < 1:
            raise InvalidArgument(field, f"must be between 0 and 1 (exclusive), got {value}")
    if not p.role:
        raise FailedPrecondition(
            f"no IAM role for SageMaker; pass --role or set {ROLE_VARIABLE} on the backend", field="role"
        )
    if not ROLE_ARN.fullmatch(p.role):
        raise InvalidArgument("role", f"{shown(p.role)} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    if not p.region or not REGION.fullmatch(p.region):
        why = f"{shown(p.region)} is not an AWS region; pass --region or set one on the remote"
        raise FailedPrecondition(f"{why}", field="region")
    return p


def _api(workspace: Workspace, region: str) -> Any:
    from backend.cloud.sagemaker.client import clients

    remote = require_aws_remote(workspace, endpoint_override())
    return clients(remote, workspace.state_dir, region, endpoint_override()).sagemaker


def _exists(sagemaker: Any, name: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        return sagemaker.describe_endpoint(EndpointName=name)  # type: ignore[no-any-return]
    except ClientError as error:
        if "not found" in str(error).lower() or "could not find" in str(error).lower():
            return None
        from backend.cloud.sagemaker.client import api_error

        raise api_error(error, f"describing endpoint {name}") from None


def prepare_deploy(params: DeployParams, workspace: Workspace, resuming: bool) -> Prepared:
    checked = checked_deploy(params, workspace)
    if not resuming and _exists(_api(workspace, checked.region), checked.name) is not None:
        raise FailedPrecondition(
            f"an endpoint named {checked.name} already exists; choose --name or delete it", field="name"
        )
    return Prepared(params=checked, outputs={})


def serving_image(region: str) -> str:
    from backend.cloud.sagemaker.images import sdk_image_uris

    uri: str = sdk_image_uris().retrieve(
        "pytorch",
        region=region,
        version=INFERENCE_PYTORCH,
        py_version="py311",
        instance_type="ml.m5.xlarge",
        image_scope="inference",
    )
    return uri


def run_deploy(params: DeployParams, ctx: JobContext) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    from backend.cloud.sagemaker.client import api_error
    from backend.cloud.sagemaker.model_archive import build_model_archive
    from backend.registry.shared import open_registry
    from backend.storage.local import local_file
    from backend.storage.remote import require_remote

    workspace = Workspace(ctx.workspace_root)
    registry = open_registry(workspace.store, workspace.state_dir)
    model = registry.get(params.version)
    onnx = local_file(workspace.store, model.files["onnx"], ctx.scratch_dir)
    kind = DETECTOR if model.layer == DETECTOR_LAYER else RESTORATION
    settings = {
        "kind": kind,
        "conf": params.conf,
        "iou": params.iou,
        "max_det": params.max_det,
        "version": params.version,
    }
    archive = build_model_archive(Path(onnx), settings)
    remote = require_aws_remote(workspace, endpoint_override())
    key = f"training-outputs/sagemaker/endpoints/{archive.sha256[:16]}/model.tar.gz"
    store = require_remote(workspace.state_dir)
    if not store.exists(key):
        store.put_bytes(key, archive.data, expected_sha256=archive.sha256)
    ctx.log(f"model archive {s3_uri(remote, key)} ({len(archive.data) // 1024} KiB)")
    sagemaker = _api(workspace, params.region)
    image = params.image or serving_image(params.region)
    name, tags = params.name, [{"Key": VERSION_TAG, "Value": params.version}]
    try:
        if _exists(sagemaker, name) is None:
            sagemaker.create_model(
                ModelName=name,
                ExecutionRoleArn=params.role,
                PrimaryContainer={
                    "Image": image,
                    "ModelDataUrl": s3_uri(remote, key),
                    "Environment": {"SAGEMAKER_PROGRAM": "inference.py", "ORT_DISABLE_TELEMETRY": "1"},
                },
                Tags=tags,
            )
            sagemaker.create_endpoint_config(
                EndpointConfigName=name,
                ProductionVariants=[
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": name,
                        "ServerlessConfig": {
                            "MemorySizeInMB": params.memory_mb,  # "MB": the API's spelling (see the docstring)
                            "MaxConcurrency": params.max_concurrency,
                        },
                    }
                ],
                Tags=tags,
            )
            sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name, Tags=tags)
            ctx.log(f"creating endpoint {name}: {params.memory_mb} MB, at most {params.max_concurrency} at once")
        status = _wait_in_service(sagemaker, name, ctx)
    except (ClientError, BotoCoreError) as error:
        raise api_error(error, f"deploying endpoint {name}") from None
    ctx.set_output("endpoint", name)
    return {"endpoint": name, "status": status}


def _wait_in_service(sagemaker: Any, name: str, ctx: JobContext) -> str:
    from backend.cloud.sagemaker.dispatch import poll_seconds

    ends = time.monotonic() + DEPLOY_TIMEOUT_S
    while time.monotonic() < ends:
        ctx.check_cancelled()
        described = sagemaker.describe_endpoint(EndpointName=name)
        status = str(described.get("EndpointStatus", ""))
        ctx.progress(0, 0, message=f"endpoint {name}: {status}")
        if status == "InService":
            return status
        if status in ("Failed", "OutOfService"):
            why = described.get("FailureReason", "no reason given")
            raise FailedPrecondition(f"endpoint {name} {status.lower()}: {why}")
        time.sleep(poll_seconds())
    raise FailedPrecondition(f"endpoint {name} was not in service after {DEPLOY_TIMEOUT_S // 60} minutes")


@dataclass(frozen=True)
class EndpointInfo:
    name: str
    status: str
    version: str
    memory_mb: int
    max_concurrency: int
    failure_reason: str
    arn: str


def list_endpoints(workspace: Workspace, region: str) -> list[EndpointInfo]:
    from botocore.exceptions import BotoCoreError, ClientError

    from backend.cloud.sagemaker.client import api_error

    region = region or default_region(require_aws_remote(workspace, endpoint_override()).region)
    sagemaker = _api(workspace, region)
    found: list[EndpointInfo] = []
    try:
        summaries = [
            summary
            for page in sagemaker.get_paginator("list_endpoints").paginate()
            for summary in page.get("Endpoints", [])
        ]
        for summary in summaries:
            name = summary["EndpointName"]
            described = sagemaker.describe_endpoint(EndpointName=name)
            config = sagemaker.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])
            serverless = (config.get("ProductionVariants") or [{}])[0].get("ServerlessConfig", {})
            listed = sagemaker.list_tags(ResourceArn=described["EndpointArn"]).get("Tags", [])
            tags = {tag["Key"]: tag["Value"] for tag in listed}
            found.append(
                EndpointInfo(
                    name=name,
                    status=str(described.get("EndpointStatus", "")),
                    version=tags.get(VERSION_TAG, ""),
                    memory_mb=int(serverless.get("MemorySizeInMB", 0)),
                    max_concurrency=int(serverless.get("MaxConcurrency", 0)),
                    failure_reason=str(described.get("FailureReason", "")),
                    arn=str(described.get("EndpointArn", "")),
                )
            )
    except (ClientError, BotoCoreError) as error:
        raise api_error(error, "listing endpoints") from None
    return found


def invoke(workspace: Workspace, region: str, name: str, content_type: str, body: bytes) -> tuple[str, bytes]:
    from botocore.exceptions import BotoCoreError, ClientError

    from backend.cloud.sagemaker.client import api_error, runtime_client

    if content_type not in ("image/jpeg", "image/png"):
        raise InvalidArgument("content_type", f"{shown(content_type)}: send image/jpeg or image/png")
    remote = require_aws_remote(workspace, endpoint_override())
    region = region or default_region(remote.region)
    runtime = runtime_client(remote, workspace.state_dir, region, endpoint_override())
    try:
        answer = runtime.invoke_endpoint(
            EndpointName=name, ContentType=content_type, Accept="application/json, image/png", Body=body
        )
    except ClientError as error:
        if "could not find" in str(error).lower() or "not found" in str(error).lower():
            raise NotFound(f"no endpoint {shown(name)} in {region}") from None
        raise api_error(error, f"invoking endpoint {name}") from None
    except BotoCoreError as error:
        raise api_error(error, f"invoking endpoint {name}") from None
    return str(answer.get("ContentType", "")), answer["Body"].read()


def delete_endpoint(workspace: Workspace, region: str, name: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    from backend.cloud.sagemaker.client import api_error

    region = region or default_region(require_aws_remote(workspace, endpoint_override()).region)
    sagemaker = _api(workspace, region)
    if _exists(sagemaker, name) is None:
        raise NotFound(f"no endpoint {shown(name)} in {region}")
    try:
        sagemaker.delete_endpoint(EndpointName=name)
        sagemaker.delete_endpoint_config(EndpointConfigName=name)
        sagemaker.delete_model(ModelName=name)
    except (ClientError, BotoCoreError) as error:
        raise api_error(error, f"deleting endpoint {name}") from None


DEPLOY_ENDPOINT = JobKind(
    name="deploy_endpoint",
    params_type=DeployParams,
    prepare=prepare_deploy,
    run="backend.cloud.sagemaker.endpoints:run_deploy",
    resumable=True,
    description="serve a detector version from a SageMaker serverless endpoint",
)
