"""The trained-model folder a SageMaker job leaves: the backend's report takes over the run's data and
distillation sections from it, and an archive written before those were carried still loads."""

from __future__ import annotations

import json
from pathlib import Path

from backend.restoration.archs import build_network, preset_for
from backend.restoration.trained import RECORD, load_trained, save_trained
from backend.restoration.trainer import EpochMetrics, TrainOutcome


def trained_outcome() -> TrainOutcome:
    config = preset_for(1, "tiny")
    outcome = TrainOutcome(config=config, model=build_network(config), device="cpu", train_pairs=4, val_pairs=1)
    outcome.history.append(EpochMetrics(1, 0.2, 0.1, 20.0, 0.7, 0.9, 1e-3, 3.0, 8.0))
    return outcome


def test_the_data_and_distillation_sections_travel_and_nothing_else(tmp_path: Path) -> None:
    report = {
        "data": {"domain": "photo", "train_images": 4},
        "distillation": {"taught_ahead": True, "teacher_cpu_seconds": 12.5},
        "epochs": ["the backend writes its own"],
    }
    save_trained(tmp_path, trained_outcome(), "abc123", report)
    trained = load_trained(tmp_path)
    assert trained.sections == {"data": report["data"], "distillation": report["distillation"]}
    assert trained.fingerprint == "abc123" and [e.epoch for e in trained.outcome.history] == [1]


def test_an_archive_from_before_the_sections_loads_with_its_data(tmp_path: Path) -> None:
    save_trained(tmp_path, trained_outcome(), "abc123", {"data": {"valid_pairs": 5}})
    record = json.loads((tmp_path / RECORD).read_text())
    del record["report"]  # what a job's container wrote before
    (tmp_path / RECORD).write_text(json.dumps(record))
    assert load_trained(tmp_path).sections == {"data": {"valid_pairs": 5}}
