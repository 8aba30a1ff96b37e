"""Running Ultralytics' ``DetectionTrainer`` for a job: the arguments of a fresh run, or a resume from the
checkpoint an earlier job left on the artifact store with that run's *own* arguments (Ultralytics reads
them from the checkpoint; only the output folder, the device and, if the original is gone, the data file
are given anew). Worker processes only: imports torch and Ultralytics (after ``ultralytics_env.prepare``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.detection.augment import training_arguments
from backend.detection.callbacks import EpochMetrics, JobCallbacks, TrainProgress, checkpoint_key, emit_epoch
from backend.detection.params import TrainDetectionParams
from backend.detection.run_result import RunResult
from backend.jobs.context import JobContext
from omni_core.errors import FailedPrecondition

RUN_NAME = "run"


@dataclass
class TrainedRun:
    save_dir: Path
    best: Path
    last: Path
    trainer: Any  # the DetectionTrainer, for its validator's per-class results


def ultralytics_device(value: str) -> str:
    import torch

    if value == "auto":
        return "0" if torch.cuda.is_available() else "cpu"
    if value == "cuda":
        value = "0"
    if value.startswith("cuda:"):
        value = value.removeprefix("cuda:")
    if value not in ("cpu", "mps") and not torch.cuda.is_available():
        raise FailedPrecondition(f"GPU {value} was asked for, but PyTorch sees no GPU on this backend", field="device")
    return value


def fresh_arguments(params: TrainDetectionParams, model: str, data_yaml: Path, save_dir: Path) -> dict[str, Any]:
    """Everything the trainer gets for a new run; what is not here is Ultralytics' default."""
    args: dict[str, Any] = {
        "model": model,
        "data": str(data_yaml),
        "epochs": params.epochs,
        "imgsz": params.imgsz,
        "batch": params.batch,
        "device": ultralytics_device(params.device),
        "seed": params.seed,
        "deterministic": True,
        "project": str(save_dir.parent),
        "name": save_dir.name,
        "exist_ok": True,
        "plots": False,  # the report draws its own curves, confusion matrix and examples
        "verbose": False,
        **training_arguments(params.preset, params.augment),
    }
    if params.workers:
        args["workers"] = max(0, params.workers)
    if params.patience:
        args["patience"] = params.patience
    return args


def _resume_checkpoint(ctx: JobContext) -> Path:
    key = checkpoint_key(ctx.resumed_from)
    if not ctx.store.exists(key):
        raise FailedPrecondition(
            f"job {ctx.resumed_from} left no checkpoint to resume from (it stopped before its first epoch ended)"
        )
    local = ctx.scratch_dir / f"resume-{ctx.resumed_from}.pt"
    ctx.store.get_file(key, local)
    return local


def checkpoint_state(path: Path) -> dict[str, Any]:
    from ultralytics.utils.patches import torch_load

    state = torch_load(path, map_location="cpu", weights_only=False)  # our own checkpoint, from our store
    return dict(state)


def _replay(ctx: JobContext, state: dict[str, Any], save_dir: Path, progress: TrainProgress) -> None:
    """Give the resumed job the earlier epochs: as metric events, and as the rows of Ultralytics' results.csv
    (which then continues in the new folder and ends up complete in best.pt)."""
    results: dict[str, list[Any]] = state.get("train_results") or {}
    columns = list(results)
    rows = list(zip(*(results[c] for c in columns), strict=True)) if columns else []
    if rows:
        save_dir.mkdir(parents=True, exist_ok=True)
        with open(save_dir / "results.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        metrics = EpochMetrics.from_results(int(values.get("epoch", 0)), values)
        progress.history.append(metrics)
    progress.resumed_at_epoch = int(state.get("epoch", -1)) + 1
    for metrics in progress.history:
        emit_epoch(ctx, metrics, 0)
    ctx.log(f"resumed from job {ctx.resumed_from} after epoch {progress.resumed_at_epoch}")


def resume_arguments(
    ctx: JobContext,
    params: TrainDetectionParams,
    save_dir: Path,
    fallback_data: Callable[[], Path],
    progress: TrainProgress,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(trainer overrides, the checkpoint's original arguments) for continuing ``ctx.resumed_from``.
    ``fallback_data`` prepares the data anew, for when the original run's data file is gone."""
    local = _resume_checkpoint(ctx)
    state = checkpoint_state(local)
    original = dict(state.get("train_args") or {})
    if int(state.get("epoch", -1)) < 0:
        raise FailedPrecondition(f"job {ctx.resumed_from} finished its training; there is nothing to resume")
    _replay(ctx, state, save_dir, progress)
    args: dict[str, Any] = {
        "resume": str(local),
        "save_dir": str(save_dir),
        "device": ultralytics_device(params.device),
    }
    data = str(original.get("data") or "")
    if not data or not Path(data).is_file():
        replacement = fallback_data()
        args["data"] = str(replacement)
        ctx.log(f"the original data file {data or '(none)'} is gone; prepared the data again: {replacement}", "warning")
    return args, original


def run_result(run: TrainedRun, names: list[str]) -> RunResult:
    """What registration needs of this run (its validator's per-class results are read now, while it exists)."""
    from backend.detection.evaluation import per_class_results

    per_class = per_class_results(run.trainer.validator, names)
    return RunResult(best=run.best, imgsz=int(run.trainer.args.imgsz), per_class=per_class)


def run_trainer(args: dict[str, Any], ctx: JobContext, progress: TrainProgress) -> TrainedRun:
    from ultralytics.models.yolo.detect import DetectionTrainer

    trainer = DetectionTrainer(overrides=args)
    JobCallbacks(ctx, progress).attach(trainer)
    trainer.train()
    save_dir = Path(trainer.save_dir)
    return TrainedRun(save_dir, Path(trainer.best), Path(trainer.last), trainer)
