"""A trained detector as a folder: what the SageMaker container leaves in ``SM_MODEL_DIR`` (best.pt and a record
of the run), and what the backend loads back to register it exactly like a local run."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from backend.detection.callbacks import EpochMetrics, TrainProgress
from backend.detection.run_result import RunResult
from omni_core.errors import FailedPrecondition

WEIGHTS = "best.pt"
RECORD = "training.json"


def save_trained(folder: Path, result: RunResult, progress: TrainProgress) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(result.best, folder / WEIGHTS)
    record = {
        "imgsz": result.imgsz,
        "per_class": result.per_class,
        "history": [asdict(item) for item in progress.history],
        "final": progress.final,
        "resumed_at_epoch": progress.resumed_at_epoch,
        "batches_per_epoch": progress.batches_per_epoch,
        "epochs": progress.epochs,
        "device": progress.device,
        "train_seconds": progress.train_seconds,
    }
    (folder / RECORD).write_text(json.dumps(record, indent=2, allow_nan=True))


def load_trained(folder: Path) -> tuple[RunResult, TrainProgress]:
    missing = [name for name in (WEIGHTS, RECORD) if not (folder / name).is_file()]
    if missing:
        raise FailedPrecondition(f"the training job's model archive has no {', '.join(missing)}")
    record = json.loads((folder / RECORD).read_text())
    progress = TrainProgress(
        history=[EpochMetrics(**item) for item in record["history"]],
        final={str(k): float(v) for k, v in record["final"].items()},
        resumed_at_epoch=int(record["resumed_at_epoch"]),
        batches_per_epoch=int(record["batches_per_epoch"]),
        epochs=int(record["epochs"]),
        device=str(record["device"]),
        train_seconds=float(record["train_seconds"]),
    )
    return RunResult(folder / WEIGHTS, int(record["imgsz"]), list(record["per_class"])), progress
