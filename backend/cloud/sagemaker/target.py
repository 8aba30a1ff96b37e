"""Where and how a training job runs on SageMaker: the operator's choices, checked before anything is uploaded."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from backend.cloud.sagemaker.instances import DEFAULT_INSTANCE_TYPE, instance_type
from omni_core.errors import FailedPrecondition, InvalidArgument, shown

#: the user's second system: 4 h of training, 5 h including the wait for Spot capacity
DEFAULT_MAX_RUN_SECONDS = 4 * 3600
DEFAULT_MAX_WAIT_SECONDS = 5 * 3600
#: SageMaker's own ceiling for MaxRuntimeInSeconds / MaxWaitTimeInSeconds (28 days)
MAX_RUNTIME_SECONDS = 28 * 24 * 3600
MIN_RUNTIME_SECONDS = 60
DEFAULT_VOLUME_GB = 30
MAX_VOLUME_GB = 16384

ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}", re.ASCII)
REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d", re.ASCII)
IMAGE_URI = re.compile(r"[\w.-]+(:\d+)?/[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})", re.ASCII)


@dataclass(frozen=True)
class SageMakerTarget:
    instance_type: str = ""
    instance_count: int = 0
    spot: bool = False
    max_run_seconds: int = 0
    max_wait_seconds: int = 0
    role: str = ""
    region: str = ""
    image: str = ""
    volume_gb: int = 0


def checked_target(target: SageMakerTarget, *, default_role: str = "", default_region: str = "") -> SageMakerTarget:
    """Defaults filled (proto3 zeros mean "not given"), every field checked; raises naming the field.

    A missing role or region is FAILED_PRECONDITION (the backend is not set up for SageMaker yet), a wrong
    value INVALID_ARGUMENT."""
    spot = target.spot
    t = replace(
        target,
        instance_type=target.instance_type or DEFAULT_INSTANCE_TYPE,
        instance_count=target.instance_count or 1,
        max_run_seconds=target.max_run_seconds or DEFAULT_MAX_RUN_SECONDS,
        max_wait_seconds=(target.max_wait_seconds or DEFAULT_MAX_WAIT_SECONDS) if spot else target.max_wait_seconds,
        role=target.role or default_role,
        region=target.region or default_region,
        volume_gb=target.volume_gb or DEFAULT_VOLUME_GB,
    )
    instance_type(t.instance_type)
    if t.instance_count != 1:
        raise InvalidArgument(
            "instance_count",
            f"{t.instance_count}: this project's trainers run on one instance; more would be billed and sit idle",
        )
    _check_seconds("max_run_seconds", t.max_run_seconds)
    if spot:
        _check_seconds("max_wait_seconds", t.max_wait_seconds)
        if t.max_wait_seconds < t.max_run_seconds:
            raise InvalidArgument(
                "max_wait_seconds",
                f"{t.max_wait_seconds} s is below max_run_seconds {t.max_run_seconds} s: with Spot, the wait "
                "includes the run, so it must be at least as long",
            )
    elif t.max_wait_seconds:
        raise InvalidArgument("max_wait_seconds", "only applies with Spot capacity (spot = true)")
    if not 1 <= t.volume_gb <= MAX_VOLUME_GB:
        raise InvalidArgument("volume_gb", f"{t.volume_gb}: must be between 1 and {MAX_VOLUME_GB}")
    if not t.role:
        raise FailedPrecondition(
            "no IAM role for SageMaker; pass --role arn:aws:iam::ACCOUNT:role/NAME or set OMNI_SAGEMAKER_ROLE "
            "on the backend",
            field="role",
        )
    if not ROLE_ARN.fullmatch(t.role):
        raise InvalidArgument("role", f"{shown(t.role)} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    if not t.region:
        raise FailedPrecondition(
            "no AWS region for SageMaker; pass --region, set it on the remote, or set AWS_REGION on the backend",
            field="region",
        )
    if not REGION.fullmatch(t.region):
        raise InvalidArgument("region", f"{shown(t.region)} is not an AWS region name (like eu-west-1)")
    if t.image and not IMAGE_URI.fullmatch(t.image):
        raise InvalidArgument("image", f"{shown(t.image)} is not a container image URI (HOST/REPOSITORY:TAG)")
    return t


def _check_seconds(field: str, value: int) -> None:
    if not MIN_RUNTIME_SECONDS <= value <= MAX_RUNTIME_SECONDS:
        raise InvalidArgument(
            field, f"{value} s: must be between {MIN_RUNTIME_SECONDS} s and {MAX_RUNTIME_SECONDS} s (28 days)"
        )
