"""The container contract, run here: the entry point as SageMaker starts it (a subprocess on an /opt/ml tree in a
temporary folder), SIGTERMed mid-training like a Spot interruption, started again on the same folders; it must
resume from its checkpoint and leave a model that registers like a local run."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from backend.cloud.sagemaker.request import encode_hyperparameters
from backend.cloud.sagemaker.source import ENTRY_SCRIPT_TEXT
from backend.restoration.archs import NetworkConfig, build_network, config_to_dict, preset_for
from backend.restoration.checkpoints import checkpoint_key
from backend.restoration.trained import load_trained

JOB = "omni-restoration-contract"
REPO = Path(__file__).resolve().parents[3]


def opt_ml(root: Path, pairs: int, hyperparameters: dict[str, object]) -> Path:
    rng = np.random.default_rng(3)
    for index in range(pairs):
        clean = rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)
        noisy = np.clip(clean.astype(int) + rng.integers(-40, 40, clean.shape), 0, 255).astype(np.uint8)
        for side, pixels in (("clean", clean), ("degraded", noisy)):
            folder = root / "input" / "data" / "training" / side
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(folder / f"p{index:03d}.png")
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "config" / "hyperparameters.json").write_text(
        json.dumps(encode_hyperparameters({"omni_kind": "train_restoration", **hyperparameters}))
    )
    return root


def start(root: Path, code: Path) -> subprocess.Popen[str]:
    """As the framework container does: run the entry script from the unpacked source with our env."""
    env = {
        **os.environ,
        "OMNI_SM_ROOT": str(root),
        "SM_TRAINING_ENV": json.dumps({"job_name": JOB}),
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, str(code)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def read_until(process: subprocess.Popen[str], marker: str, seen: list[str], timeout: float = 120.0) -> None:
    import selectors
    import time

    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not selector.select(timeout=1.0):
            continue
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip())
        if marker in line:
            return
    raise AssertionError(f"no {marker!r} in the entry point's output:\n" + "\n".join(seen[-30:]))


@pytest.mark.timeout(300)
def test_sigterm_saves_a_checkpoint_and_a_restart_resumes_and_finishes(tmp_path: Path) -> None:
    root = opt_ml(
        tmp_path / "opt-ml",
        pairs=120,
        hyperparameters={
            "layer": 1,
            "preset": "tiny",
            "epochs": 2,
            "batch_size": 1,
            "patch": 16,
            "val_split": 0.05,
            "device": "cpu",
            "num_workers": -1,
            "seed": 11,
        },
    )
    code = tmp_path / "code" / "omni_sagemaker_entry.py"
    code.parent.mkdir()
    code.write_text(ENTRY_SCRIPT_TEXT)

    first = start(root, code)
    seen: list[str] = []
    read_until(first, "omni-metric train/loss_step", seen)  # training has begun: the Spot notice comes now
    first.send_signal(signal.SIGTERM)
    output, _ = first.communicate(timeout=120)
    seen.extend(output.splitlines())
    assert first.returncode == 143, "\n".join(seen[-30:])
    checkpoint = root / "checkpoints" / checkpoint_key(JOB)
    assert checkpoint.is_file()
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    assert state["epoch"] == 0 and state["partial_epoch"]["steps"] > 0  # saved inside the first epoch
    assert not (root / "model" / "model.pt").exists()

    second = start(root, code)
    output, _ = second.communicate(timeout=240)
    assert second.returncode == 0, output[-3000:]
    assert f"resumed from job {JOB} after epoch 0 and {state['partial_epoch']['steps']} steps" in output
    assert "omni-metric val/psnr=" in output
    trained = load_trained(root / "model")
    assert [item.epoch for item in trained.outcome.history] == [1, 2]
    assert trained.outcome.resumed_at_epoch == 0 and trained.fingerprint
    assert not (root / "output" / "failure").exists()


def test_a_failure_becomes_the_jobs_failure_reason(tmp_path: Path) -> None:
    root = opt_ml(tmp_path / "opt-ml", pairs=2, hyperparameters={"layer": 7})
    code = tmp_path / "entry.py"
    code.write_text(ENTRY_SCRIPT_TEXT)
    process = start(root, code)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 1, output
    reason = (root / "output" / "failure").read_text()
    assert reason.startswith("layer:") and "1 or 2" in reason


#: a small restoration run in the container, on 8 pairs
SMALL_RUN = {"layer": 1, "preset": "tiny", "batch_size": 2, "patch": 16, "val_split": 0.25, "device": "cpu",
             "num_workers": -1, "seed": 5}  # fmt: skip


def run_with_weights(tmp_path: Path, hyperparameters: dict[str, object], channel: str, network: NetworkConfig) -> str:
    """Run the entry point on 8 pairs with ``network``'s weights (config + state dict) in ``channel``; its output."""
    root = opt_ml(tmp_path / "opt-ml", pairs=8, hyperparameters={**SMALL_RUN, **hyperparameters})
    folder = root / "input" / "data" / channel
    folder.mkdir(parents=True)
    torch.save(
        {"config": config_to_dict(network), "state_dict": build_network(network).state_dict()}, folder / "model.pt"
    )
    code = tmp_path / "entry.py"
    code.write_text(ENTRY_SCRIPT_TEXT)
    process = start(root, code)
    output, _ = process.communicate(timeout=240)
    assert process.returncode == 0, output[-3000:]
    return output


@pytest.mark.timeout(300)
def test_a_fine_tuning_run_starts_from_the_start_channels_weights(tmp_path: Path) -> None:
    version = "restoration_layer1_20260101_000000"
    # the version's weights, of a network its preset no longer describes: the container must build this one
    grown = dataclasses.replace(preset_for(1, "tiny"), width=preset_for(1, "tiny").width * 2)
    torch.manual_seed(2)
    output = run_with_weights(tmp_path, {"start_from": version, "epochs": 1, "lr": 1e-9}, "start", grown)
    start_weights = torch.load(tmp_path / "opt-ml" / "input" / "data" / "start" / "model.pt")["state_dict"]
    assert f"starting from the weights of {version}" in output
    trained = load_trained(tmp_path / "opt-ml" / "model")
    assert trained.outcome.config == grown
    assert trained.outcome.model is not None
    tuned = trained.outcome.model.state_dict()
    assert max(float((tuned[name] - start_weights[name]).abs().max()) for name in start_weights) < 1e-5


@pytest.mark.timeout(300)
def test_a_distilled_run_learns_from_the_teacher_channels_network(tmp_path: Path) -> None:
    teacher = "restoration_layer2_20260101_000000"
    network = dataclasses.replace(preset_for(1, "tiny"), width=12)  # the teacher's own network, not a preset
    output = run_with_weights(tmp_path, {"teacher": teacher, "distill_weight": 0.5, "epochs": 2}, "teacher", network)
    assert f"distilling from {teacher} ({network.preset}), weight 0.5" in output
    assert "the teacher runs in every training step" in output  # images of several crops, two epochs
    trained = load_trained(tmp_path / "opt-ml" / "model")
    assert trained.outcome.config == preset_for(1, "tiny") and len(trained.outcome.history) == 2


@pytest.mark.timeout(300)
def test_a_run_from_clean_images_degrades_the_training_channel_and_records_how(tmp_path: Path) -> None:
    from backend.synthetic.realistic.presets import PRESETS

    root = tmp_path / "opt-ml"
    photos = root / "input" / "data" / "training" / "holiday"  # any folders, any names
    photos.mkdir(parents=True)
    rng = np.random.default_rng(4)
    for index in range(8):
        Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(photos / f"IMG_{index:04d}.jpg")
    (root / "input" / "config").mkdir(parents=True)
    values = {**SMALL_RUN, "clean": "training channel", "domain": "photo", "epochs": 1}
    (root / "input" / "config" / "hyperparameters.json").write_text(
        json.dumps(encode_hyperparameters({"omni_kind": "train_restoration", **values}))
    )
    code = tmp_path / "entry.py"
    code.write_text(ENTRY_SCRIPT_TEXT)
    process = start(root, code)
    output, _ = process.communicate(timeout=240)
    assert process.returncode == 0, output[-3000:]
    assert "8 clean images" in output and "degraded on the fly by the photo preset" in output
    trained = load_trained(root / "model")
    data = trained.sections["data"]
    assert (data["domain"], data["train_images"] + data["val_images"]) == ("photo", 8)
    assert data["degradation"] == json.loads(json.dumps(PRESETS["photo"].to_dict()))
    assert len(trained.outcome.history) == 1 and trained.fingerprint
