"""The container contract's paths and hyperparameters, read from a /opt/ml tree in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.cloud.sagemaker.container import container_paths, decode_hyperparameter
from backend.cloud.sagemaker.request import encode_hyperparameters
from omni_core.errors import InvalidArgument


def opt_ml(root: Path, hyperparameters: dict[str, str]) -> Path:
    (root / "input" / "config").mkdir(parents=True)
    (root / "input" / "data" / "training").mkdir(parents=True)
    (root / "input" / "config" / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    return root


def test_paths_follow_opt_ml_and_sm_variables_win(tmp_path: Path) -> None:
    root = opt_ml(tmp_path / "ml", {})
    paths = container_paths({"OMNI_SM_ROOT": str(root)})
    assert paths.model_dir == root / "model" and paths.checkpoint_dir == root / "checkpoints"
    assert paths.channel("training") == root / "input" / "data" / "training"
    moved = container_paths(
        {
            "OMNI_SM_ROOT": str(root),
            "SM_MODEL_DIR": str(tmp_path / "m"),
            "SM_CHANNEL_VALIDATION": str(tmp_path / "v"),
            "SM_TRAINING_ENV": json.dumps({"job_name": "omni-train-1"}),
        }
    )
    assert moved.model_dir == tmp_path / "m" and moved.channel("validation") == tmp_path / "v"
    assert moved.job_name == "omni-train-1"
    with pytest.raises(InvalidArgument, match="no 'test' input channel"):
        moved.channel("test")


def test_hyperparameters_round_trip_through_sagemakers_strings(tmp_path: Path) -> None:
    sent = {"epochs": 5, "lr": 0.002, "model": "yolo11n.yaml", "augment": ["fliplr=0.5"], "spot": True}
    root = opt_ml(tmp_path / "ml", encode_hyperparameters(sent))
    assert container_paths({"OMNI_SM_ROOT": str(root)}).hyperparameters() == sent
    # typed by hand in the console: not JSON, kept as the string it is
    assert decode_hyperparameter("yolo11s.yaml") == "yolo11s.yaml"
    assert decode_hyperparameter("12") == 12
