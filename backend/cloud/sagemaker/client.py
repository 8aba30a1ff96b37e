"""boto3 clients for a dispatch, with the workspace remote's credentials (one AWS identity for S3 and SageMaker).

Errors from the API become domain errors with the status a client should see; secrets never enter a message
(botocore's errors name the operation and AWS's message, never the keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from backend.storage import credentials
from backend.storage.remote_config import RemoteConfig
from omni_core.errors import AlreadyExists, FailedPrecondition, OmniError, PermissionDenied, Unavailable

#: AWS's own retry mode (backoff with jitter, throttling included) for every call
RETRIES = Config(retries={"max_attempts": 8, "mode": "standard"}, connect_timeout=10, read_timeout=60)
#: a cancel must not wait out eight backoffs: StopTrainingJob is tried twice, then the person is told
QUICK = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=15)
AUTH_CODES = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "InvalidClientTokenId",
    }
)


def _session(remote: RemoteConfig, state_dir: Path, region: str) -> boto3.session.Session:
    """A session with the remote's keys: one AWS identity for S3 and SageMaker."""
    keys = credentials.resolve(remote, state_dir)
    return boto3.session.Session(
        aws_access_key_id=keys.access_key,
        aws_secret_access_key=keys.secret_key,
        aws_session_token=keys.session_token or None,
        region_name=region,
    )


@dataclass(frozen=True)
class Clients:
    sagemaker: Any
    logs: Any
    #: the same API with few retries, for calls a person is waiting on (StopTrainingJob)
    quick: Any


def clients(remote: RemoteConfig, state_dir: Path, region: str, endpoint: str) -> Clients:
    """The clients in ``region``; ``endpoint`` replaces AWS's (moto in tests)."""
    session = _session(remote, state_dir, region)
    where: dict[str, Any] = {"endpoint_url": endpoint} if endpoint else {}
    return Clients(
        sagemaker=session.client("sagemaker", config=RETRIES, **where),
        logs=session.client("logs", config=RETRIES, **where),
        quick=session.client("sagemaker", config=QUICK, **where),
    )


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def api_error(error: Exception, doing: str) -> OmniError:
    """The domain error for a failed SageMaker/CloudWatch call, naming what was being done."""
    if isinstance(error, ClientError):
        code, message = error_code(error), str(error.response.get("Error", {}).get("Message", ""))
        if code in AUTH_CODES:
            return PermissionDenied(f"{doing}: AWS refused the credentials or the role ({code}: {message})")
        if code == "ResourceInUse" or "already exists" in message:
            return AlreadyExists(f"{doing}: {message}")
        if int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)) >= 500:
            return Unavailable(f"{doing}: SageMaker answered {code or 'a server error'}: {message[:300]}")
        return FailedPrecondition(f"{doing}: {code or 'error'}: {message}")
    if isinstance(error, BotoCoreError):
        return FailedPrecondition(f"{doing}: cannot reach SageMaker ({type(error).__name__}: {error})")
    return FailedPrecondition(f"{doing}: {type(error).__name__}: {error}")


def runtime_client(remote: RemoteConfig, state_dir: Path, region: str, endpoint: str) -> Any:
    """The sagemaker-runtime client (InvokeEndpoint), with the same keys and few retries (a person waits)."""
    where: dict[str, Any] = {"endpoint_url": endpoint} if endpoint else {}
    return _session(remote, state_dir, region).client("sagemaker-runtime", config=QUICK, **where)
