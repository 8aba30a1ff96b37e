"""Serverless endpoints against moto's SageMaker API (a real HTTP endpoint; its endpoints are InService at once
and it runs nothing, so the handler itself is tested in tests/backend/detection/test_endpoint_handler.py):
deploy creates the model, an endpoint configuration with ServerlessConfig and the endpoint; a name in use is
FAILED_PRECONDITION before anything is uploaded; list, invoke and delete answer with deliberate statuses."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from PIL import Image

from backend.rpc.server import Backend
from backend.storage.credentials import save_workspace_keys
from backend.storage.remote_config import RemoteConfig, checked, save_config
from desktop.client import BackendError, BackendTarget, Connection
from protos.omni.v1 import cloud_pb2, jobs_pb2
from tests.backend.conftest import TOKEN
from tests.helpers import wait_for_state
from tests.s3_servers import MotoS3

ROLE = "arn:aws:iam::123456789012:role/omni-serving"
REGION = "eu-west-1"


def detector_file(path: Path) -> Path:
    """An untrained yolo11n checkpoint, made in a child process: importing Ultralytics here would patch Pillow's
    ``Image.open`` for every later test of this process (the backends they start run in it)."""
    code = (
        "import sys; from pathlib import Path; from tests.backend.detection.conftest import untrained_detector; "
        "untrained_detector(Path(sys.argv[1]), ['dent', 'rust'], imgsz=64)"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=300, cwd=Path(__file__).parents[3])
    return path


def aws(moto: MotoS3, service: str) -> object:
    return boto3.client(
        service, endpoint_url=moto.url, region_name=REGION, aws_access_key_id="k", aws_secret_access_key="s"
    )


@pytest.mark.timeout(600)
def test_deploy_list_invoke_delete(
    make_backend: Callable[..., Backend], moto_s3: MotoS3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNI_SAGEMAKER_ENDPOINT_URL", moto_s3.url)
    monkeypatch.setenv("OMNI_SAGEMAKER_ROLE", ROLE)
    monkeypatch.setenv("OMNI_SAGEMAKER_POLL_SECONDS", "0.2")
    backend = make_backend()
    bucket = f"omni-ep-{uuid.uuid4().hex[:8]}"
    s3 = aws(moto_s3, "s3")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})  # type: ignore[attr-defined]
    state = backend.workspace.state_dir
    save_config(state, checked(RemoteConfig(url=f"s3://{bucket}/team", endpoint=moto_s3.url, region=REGION)))
    save_workspace_keys(state, "k", "s")
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
        weights = detector_file(tmp_path / "fresh.pt")
        version = client.import_detector(path=str(weights), description="untrained").version
        name = f"ep-{uuid.uuid4().hex[:8]}"

        with pytest.raises(BackendError) as refused:  # a bad setting is refused at submit, naming the field
            client.submit(jobs_pb2.JobSpec(deploy_endpoint=cloud_pb2.DeploySpec(version=version, memory_mb=3000)))
        assert refused.value.code == "INVALID_ARGUMENT" and refused.value.message.startswith("memory_mb:")

        spec = cloud_pb2.DeploySpec(version=version, name=name, memory_mb=2048, max_concurrency=5)
        job = client.submit(jobs_pb2.JobSpec(deploy_endpoint=spec))
        finished = wait_for_state(client, job.id, timeout=240)
        assert finished.state == jobs_pb2.JOB_STATE_SUCCEEDED, finished.message
        sagemaker = aws(moto_s3, "sagemaker")
        config = sagemaker.describe_endpoint_config(EndpointConfigName=name)  # type: ignore[attr-defined]
        assert config["ProductionVariants"][0]["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
        model = sagemaker.describe_model(ModelName=name)  # type: ignore[attr-defined]
        archive_uri = model["PrimaryContainer"]["ModelDataUrl"]
        assert archive_uri.startswith(f"s3://{bucket}/team/") and archive_uri.endswith("model.tar.gz")
        key = archive_uri.removeprefix(f"s3://{bucket}/")
        assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 1000  # type: ignore[attr-defined]
        assert "pytorch-inference" in model["PrimaryContainer"]["Image"]

        with pytest.raises(BackendError) as taken:
            client.submit(jobs_pb2.JobSpec(deploy_endpoint=spec))
        assert taken.value.code == "FAILED_PRECONDITION" and "already exists" in taken.value.message

        listed = {item.name: item for item in client.list_endpoints()}
        assert listed[name].status == "InService" and listed[name].version == version
        assert (listed[name].memory_mb, listed[name].max_concurrency) == (2048, 5)

        photo = tmp_path / "car.png"
        Image.new("RGB", (64, 48), (120, 80, 40)).save(photo)
        with pytest.raises(BackendError) as invoked:  # moto answers a binary body with 500: a deliberate status
            client.invoke_endpoint(name, photo.read_bytes(), "image/png")
        assert invoked.value.code == "UNAVAILABLE" and name in invoked.value.message
        with pytest.raises(BackendError) as wrong_type:
            client.invoke_endpoint(name, b"{}", "application/json")
        assert wrong_type.value.code == "INVALID_ARGUMENT" and wrong_type.value.message.startswith("content_type:")

        client.delete_endpoint(name)
        assert name not in {item.name for item in client.list_endpoints()}
        with pytest.raises(BackendError) as gone:
            client.delete_endpoint(name)
        assert gone.value.code == "NOT_FOUND"
