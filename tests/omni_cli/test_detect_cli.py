"""``omni models import``, ``omni detect``, ``omni prelabel`` and ``omni train detection`` as a user runs them:
real processes, an embedded backend on a workspace, exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO


def omni(*args: str, workspace: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMNI_WORKSPACE": str(workspace), "OMNI_DENY_NETWORK": "1"}
    return subprocess.run(
        [sys.executable, "-m", "omni_cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("detect-cli") / "ws"


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An untrained YOLO11n detector and a classifier, as real Ultralytics checkpoints."""
    from backend.detection import ultralytics_env

    folder = tmp_path_factory.mktemp("checkpoints")
    ultralytics_env.prepare(folder)
    from tests.backend.detection.conftest import untrained_detector

    return {
        "detector": untrained_detector(folder / "damage.pt", ["dent", "rust"], imgsz=64),
        "classifier": untrained_detector(folder / "grader.pt", ["ok", "bad"], task="classify"),
    }


@pytest.fixture(scope="module")
def version(workspace: Path, checkpoints: dict[str, Path]) -> str:
    done = omni("models", "import", str(checkpoints["detector"]), "--kind", "detector", workspace=workspace)
    assert done.returncode == 0, done.stderr
    assert "registered detector_" in done.stdout and "dent, rust" in done.stdout
    return done.stdout.split()[1].rstrip(":")


def test_models_import_refuses_a_classifier(workspace: Path, checkpoints: dict[str, Path]) -> None:
    done = omni("models", "import", str(checkpoints["classifier"]), workspace=workspace)
    assert done.returncode == 1
    assert "classification model" in done.stderr and "not a detector" in done.stderr


def test_detect_a_folder_then_resume(workspace: Path, version: str, tmp_path: Path) -> None:
    from tests.backend.detection.conftest import generate_scenes

    scenes = generate_scenes(tmp_path / "scenes", count=4)
    source = tmp_path / "in"
    source.mkdir()
    for image in (scenes / "images").rglob("*.jpg"):
        shutil.copy(image, source / image.name)
    (source / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    out = tmp_path / "out"
    done = omni("detect", str(source), str(out), "--model", version, "--conf", "0.01", workspace=workspace)
    assert done.returncode == 0, done.stderr
    assert "4 images" in done.stdout and "summary" in done.stdout
    assert "corrupt cut.jpg" in done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"] == version and summary["images"] == 4
    assert len(list((out / "records").glob("*.json"))) == 4 and (out / "summary.csv").is_file()

    again = omni("detect", str(source), str(out), "--model", version, "--conf", "0.01", workspace=workspace)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "summary.json").read_text())["done_before"] == 4


def test_train_detection_refuses_bad_input(workspace: Path, tmp_path: Path) -> None:
    missing = omni("train", "detection", workspace=workspace)
    assert missing.returncode == 2 and "--dataset NAME or --data" in missing.stderr
    (tmp_path / "data.yaml").write_text("train: images/train\nval: images/val\nnames: [dent]\n")
    bad = omni("train", "detection", "--data", str(tmp_path / "data.yaml"), "--epochs", "1", workspace=workspace)
    assert bad.returncode == 1 and "data:" in bad.stderr and "does not exist" in bad.stderr
    preset = omni("train", "detection", "--dataset", "none", "--degrees", "500", workspace=workspace)
    assert preset.returncode == 1 and "degrees must be between" in preset.stderr


def test_prelabel_needs_a_dataset(workspace: Path, version: str) -> None:
    done = omni("prelabel", "no-such-dataset", "--model", version, workspace=workspace)
    assert done.returncode == 1 and "no-such-dataset" in done.stderr


def test_detect_streamed_writes_the_job_s_outputs_and_resumes(workspace: Path, version: str, tmp_path: Path) -> None:
    from tests.backend.detection.conftest import generate_scenes

    scenes = generate_scenes(tmp_path / "scenes", count=4, seed=7)
    source = tmp_path / "in"
    source.mkdir()
    for image in (scenes / "images").rglob("*.jpg"):
        shutil.copy(image, source / image.name)
    (source / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    local, remote = tmp_path / "local", tmp_path / "remote"
    args = ("--model", version, "--conf", "0.01")
    assert omni("detect", str(source), str(local), *args, workspace=workspace).returncode == 0

    streamed = omni("detect", str(source), str(remote), *args, "--remote", workspace=workspace)
    assert streamed.returncode == 3, streamed.stderr  # finished, but an image could not be read
    assert "4 images" in streamed.stdout and "corrupt cut.jpg" in streamed.stderr
    summary = json.loads((remote / "summary.json").read_text())
    assert (summary["mode"], summary["state"], summary["model"], summary["images"]) == (
        "remote",
        "finished",
        version,
        4,
    )
    assert summary["conf"] == 0.01 and summary["iou"] == 0.7  # the backend's default, resolved there
    job_summary = json.loads((local / "summary.json").read_text())
    assert summary["per_image"] == job_summary["per_image"] and summary["problems"] == job_summary["problems"]
    for label in (local / "labels").glob("*.txt"):
        assert (remote / "labels" / label.name).read_bytes() == label.read_bytes()
        annotated = f"{label.stem}.jpg"
        assert (remote / "annotated" / annotated).read_bytes() == (local / "annotated" / annotated).read_bytes()

    again = omni("detect", str(source), str(remote), *args, "--remote", workspace=workspace)
    assert again.returncode == 3 and json.loads((remote / "summary.json").read_text())["done_before"] == 4
    refused = omni("detect", str(source), str(source), *args, "--remote", workspace=workspace)
    assert refused.returncode == 1 and "out: " in refused.stderr and "is the input folder" in refused.stderr
