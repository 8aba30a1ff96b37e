"""``omni train ... --target sagemaker --dry-run`` as a user runs it: an embedded backend on the test's workspace,
the remote on moto (the stand-in for AWS S3 and SageMaker). It prints the complete request and the estimate and
creates nothing. (A launch is a job: tests/backend/cloud/test_sagemaker_dispatch.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from PIL import Image

from backend.storage.credentials import save_workspace_keys
from backend.storage.remote_config import RemoteConfig, checked, save_config
from omni_cli.main import main
from tests.s3_servers import MotoS3

ROLE = "arn:aws:iam::123456789012:role/omni-training"


@pytest.fixture
def workspace(tmp_path: Path, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ws"
    state = root / ".omni"
    state.mkdir(parents=True)
    save_config(state, checked(RemoteConfig(url="s3://omni-cli/team", endpoint=moto_s3.url, region="eu-west-1")))
    save_workspace_keys(state, "testkey", "testsecret")
    for side in ("clean", "degraded"):
        (root / "pairs" / side).mkdir(parents=True)
        Image.new("RGB", (32, 32), (10, 20, 30)).save(root / "pairs" / side / "a.png")
    monkeypatch.setenv("OMNI_SAGEMAKER_ENDPOINT_URL", moto_s3.url)
    return root


def test_dry_run_prints_the_request_and_the_cost(
    workspace: Path, moto_s3: MotoS3, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "train",
            "restoration",
            "--data",
            str(workspace / "pairs"),
            "--layer",
            "1",
            "--target",
            "sagemaker",
            "--spot",
            "--max-run",
            "3600",
            "--max-wait",
            "7200",
            "--role",
            ROLE,
            "--dry-run",
            "--workspace",
            str(workspace),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    request = json.loads(captured.out)
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}
    assert request["RoleArn"] == ROLE
    assert "Estimate only" in captured.err and "nothing was created" in captured.err
    client = boto3.client(
        "sagemaker",
        endpoint_url=moto_s3.url,
        region_name="eu-west-1",
        aws_access_key_id="testkey",
        aws_secret_access_key="testsecret",
    )
    names = [job["TrainingJobName"] for job in client.list_training_jobs()["TrainingJobSummaries"]]
    assert request["TrainingJobName"] not in names


def test_spot_wait_below_run_is_refused_naming_both(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "train",
            "restoration",
            "--data",
            str(workspace / "pairs"),
            "--target",
            "sagemaker",
            "--spot",
            "--max-run",
            "7200",
            "--max-wait",
            "3600",
            "--role",
            ROLE,
            "--dry-run",
            "--workspace",
            str(workspace),
        ]
    )
    err = capsys.readouterr().err
    assert code != 0
    assert "max_wait_seconds" in err and "max_run_seconds" in err


def test_a_detector_dry_run_plans_the_yolo_folder_and_creates_nothing(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace / "data.yaml").write_text("path: .\ntrain: images\nval: images\nnames: [rust]\n")
    (workspace / "images").mkdir()
    (workspace / "labels").mkdir()
    for name in ("a", "b"):
        Image.new("RGB", (64, 64), (90, 90, 90)).save(workspace / "images" / f"{name}.png")
        (workspace / "labels" / f"{name}.txt").write_text("0 0.5 0.5 0.25 0.25\n")
    code = main(
        [
            "train",
            "detection",
            "--data",
            str(workspace / "data.yaml"),
            "--epochs",
            "3",
            "--target",
            "sagemaker",
            "--role",
            ROLE,
            "--dry-run",
            "--workspace",
            str(workspace),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    request = json.loads(captured.out)
    hyper = {key: json.loads(value) for key, value in request["HyperParameters"].items()}
    assert hyper["omni_kind"] == "train_detection" and hyper["epochs"] == 3 and hyper["data"] == "data.yaml"
    assert request["TrainingJobName"].startswith("omni-detection-")


def test_endpoint_commands_answer_with_the_backends_statuses(
    workspace: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNI_SAGEMAKER_ROLE", ROLE)
    assert main(["endpoint", "list", "--json", "--workspace", str(workspace)]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)  # moto may hold other tests' endpoints
    assert main(["endpoint", "delete", "no-such-endpoint", "--workspace", str(workspace)]) == 1
    assert "no endpoint 'no-such-endpoint'" in capsys.readouterr().err
    photo = workspace / "photo.gif"
    photo.write_bytes(b"GIF89a")
    assert main(["endpoint", "invoke", "x", str(photo), "--workspace", str(workspace)]) == 2
    assert ".jpg or .png" in capsys.readouterr().err
    code = main(["deploy", "current", "--serverless", "--workspace", str(workspace)])
    assert code != 0 and "no detector is registered" in capsys.readouterr().err
