"""The detection training report (JSON, the source of truth; rendered by ``backend.reports``): the same
sections as restoration reports plus per-class AP, the confusion matrix and validation examples."""

from __future__ import annotations

import math
import time
from dataclasses import asdict
from typing import Any

from backend.detection.callbacks import TrainProgress
from backend.detection.params import TrainDetectionParams
from backend.jobs.context import JobContext
from backend.reports.environment import environment
from backend.reports.recommendations import recommend
from backend.reports.store import json_safe, save_report

KIND = "train_detection"


def new_report(params: TrainDetectionParams, ctx: JobContext) -> dict[str, Any]:
    return {
        "report_version": 1,
        "id": ctx.job_id,
        "kind": KIND,
        "title": "Training report: detector",
        "parameters": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(params).items()},
        "data": {},
        "epochs": [],
        "resumed_from": ctx.resumed_from,
    }


def improvement(epochs: list[dict[str, Any]]) -> dict[str, float]:
    first, last = epochs[0], epochs[-1]
    result: dict[str, float] = {}
    for name in ("train_box_loss", "train_cls_loss", "train_dfl_loss", "precision", "recall", "map50", "map50_95"):
        a, b = first.get(name), last.get(name)
        if isinstance(a, float) and isinstance(b, float) and math.isfinite(a) and math.isfinite(b):
            result[f"{name}_first"], result[f"{name}_last"], result[f"{name}_change"] = a, b, b - a
    return result


def finish_report(
    report: dict[str, Any], progress: TrainProgress, ctx: JobContext, state: str, error: str, started: float
) -> None:
    finished = time.time()
    report["state"], report["error"] = state, error
    report["job"] = {
        "id": ctx.job_id,
        "started_at": started,
        "finished_at": finished,
        "duration_seconds": finished - started,
        "train_seconds": progress.train_seconds,
    }
    report["epochs"] = [asdict(item) for item in progress.history]
    if report["epochs"]:
        report["improvement"] = improvement(report["epochs"])
    report.setdefault("model", None)
    report.setdefault("comparison", None)
    try:
        import ultralytics

        version = str(ultralytics.__version__)
    except ImportError:  # pragma: no cover - the backend extra installs it
        version = ""
    report["environment"] = {**environment(progress.device or "cpu"), "ultralytics": version}
    report["recommendations"] = recommend(report)
    try:
        keys = save_report(ctx.store, json_safe(report))
        ctx.artifact(keys["html"], "report", description="training report (HTML)")
        ctx.set_output("report", ctx.job_id)
    except Exception as failure:  # noqa: BLE001 - the run's own outcome matters more than its report
        ctx.log(f"could not write the report: {failure}", level="error")
