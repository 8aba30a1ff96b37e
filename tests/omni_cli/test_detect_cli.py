"""``omni models import``, ``omni detect``, ``omni prelabel`` and ``omni train detection`` as a user runs them:
real processes, an embedded backend on a workspace, exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from omni_cli.follow import EXIT_INTERRUPTED
from omni_core.partial import TEMP_SUFFIX
from tests.helpers import REPO, wait_for


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


def test_ctrl_c_stops_a_streamed_detection_as_it_stops_a_streamed_restore(
    workspace: Path, version: str, tmp_path: Path
) -> None:
    """SIGINT to the process group, as a terminal's Ctrl+C: the handler sets the run's stop event, the stream is
    cancelled, and the exit status and words are ``omni restore --remote``'s (130); OUT has whole outputs and a
    summary saying "stopped", and the same command again resumes."""
    from tests.backend.detection.conftest import generate_scenes

    count = 80
    scenes = generate_scenes(tmp_path / "scenes", count=count, size=256, seed=5)
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for image in (scenes / "images").rglob("*.jpg"):
        shutil.copy(image, source / image.name)
    command = ["detect", str(source), str(out), "--model", version, "--conf", "0.01", "--remote"]
    env = {**os.environ, "OMNI_WORKSPACE": str(workspace), "OMNI_DENY_NETWORK": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "omni_cli", *command], cwd=REPO, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        records = out / "records"
        wait_for(lambda: len(list(records.glob("*.json"))) >= 2 or process.poll() is not None, 120, what="records")
        assert process.poll() is None, process.communicate()
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == EXIT_INTERRUPTED == 130, stderr
    assert "stopped: the outputs written are whole; run the same command again to resume" in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["mode"], summary["state"]) == ("remote", "stopped")
    done = sorted(p.stem for p in records.glob("*.json"))
    assert 2 <= len(done) < count and summary["images"] == len(done)
    for kind, suffix in (("annotated", ".jpg"), ("labels", ".txt")):
        assert sorted(p.stem for p in (out / kind).glob(f"*{suffix}")) == done
    assert not [p for p in out.rglob("*") if TEMP_SUFFIX in p.name]

    resumed = omni(*command, workspace=workspace)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["state"], summary["images"], summary["done_before"]) == ("finished", count, len(done))
