"""A trained restoration model as a folder: what the SageMaker container leaves in ``SM_MODEL_DIR`` (and so in
``model.tar.gz``), and what the backend loads back to register the version exactly like a local run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from backend.restoration.archs import build_network, config_from_dict, config_to_dict
from backend.restoration.trainer import EpochMetrics, TrainOutcome
from omni_core.errors import FailedPrecondition

WEIGHTS = "model.pt"
RECORD = "training.json"
#: the sections of the container's report the backend's report takes over (the rest it writes itself)
CARRIED_SECTIONS = ("data", "distillation")


@dataclass
class Trained:
    outcome: TrainOutcome
    fingerprint: str
    sections: dict[str, Any]  # ``CARRIED_SECTIONS`` of the run's report, those it had


def save_trained(folder: Path, outcome: TrainOutcome, fingerprint: str, report: dict[str, Any]) -> None:
    assert outcome.model is not None
    folder.mkdir(parents=True, exist_ok=True)
    model = outcome.model.to("cpu").eval()
    torch.save({"config": config_to_dict(outcome.config), "state_dict": model.state_dict()}, folder / WEIGHTS)
    record = {
        "history": [vars(item) for item in outcome.history],
        "step_losses": [list(item) for item in outcome.step_losses],
        "baseline": outcome.baseline,
        "device": outcome.device,
        "train_pairs": outcome.train_pairs,
        "val_pairs": outcome.val_pairs,
        "resumed_at_epoch": outcome.resumed_at_epoch,
        "registered_epoch": outcome.registered_epoch,
        "start_metrics": outcome.start_metrics,
        "train_seconds": outcome.train_seconds,
        "fingerprint": fingerprint,
        "data": report.get("data", {}),  # read by backends from before "report"
        "report": {name: report[name] for name in CARRIED_SECTIONS if name in report},
    }
    (folder / RECORD).write_text(json.dumps(record, indent=2))


def load_trained(folder: Path) -> Trained:
    """The model and its record; FailedPrecondition naming what is missing (a job that wrote no model)."""
    missing = [name for name in (WEIGHTS, RECORD) if not (folder / name).is_file()]
    if missing:
        raise FailedPrecondition(f"the training job's model archive has no {', '.join(missing)}")
    saved = torch.load(folder / WEIGHTS, map_location="cpu", weights_only=False)  # written by save_trained
    config = config_from_dict(saved["config"])
    model = build_network(config)
    model.load_state_dict(saved["state_dict"])
    record = json.loads((folder / RECORD).read_text())
    outcome = TrainOutcome(
        config=config,
        model=model.eval(),
        history=[EpochMetrics(**item) for item in record["history"]],
        step_losses=[(int(step), float(loss)) for step, loss in record["step_losses"]],
        baseline=dict(record["baseline"]),
        device=str(record["device"]),
        train_pairs=int(record["train_pairs"]),
        val_pairs=int(record["val_pairs"]),
        resumed_at_epoch=int(record["resumed_at_epoch"]),
        registered_epoch=int(record.get("registered_epoch", 0)),  # 0: the last (an archive from before best epochs)
        start_metrics={name: float(value) for name, value in (record.get("start_metrics") or {}).items()},
        train_seconds=float(record["train_seconds"]),
    )
    sections = dict(record.get("report") or {"data": record["data"]})  # an archive from before "report"
    return Trained(outcome=outcome, fingerprint=str(record["fingerprint"]), sections=sections)
