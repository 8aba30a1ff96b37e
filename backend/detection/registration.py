"""After a successful run: the ONNX export (checked), the model card, the registry version
``detector_<UTC timestamp>`` with ``best.pt`` and the export, and the report's detection sections."""

from __future__ import annotations

import math
from typing import Any

from backend.detection.callbacks import TrainProgress
from backend.detection.checkpoint import inspect
from backend.detection.data_source import PreparedData, fingerprint
from backend.detection.evaluation import review_validation
from backend.detection.export import export_detector
from backend.detection.models import LAYER, StartingPoint
from backend.detection.onnx_detector import OnnxDetector
from backend.detection.params import TrainDetectionParams
from backend.detection.run_result import RunResult
from backend.jobs.context import JobContext
from backend.registry import ModelVersion
from backend.registry.publish import publish_version
from backend.registry.shared import registry_at
from backend.reports.environment import environment
from omni_core.errors import FailedPrecondition

CARD_METRICS = ("precision", "recall", "map50", "map50_95")


def final_metrics(progress: TrainProgress) -> dict[str, float]:
    """The validation of best.pt if it ran, else the last epoch's."""
    source = progress.final or (vars(progress.history[-1]) if progress.history else {})
    return {name: float(source[name]) for name in CARD_METRICS if name in source and math.isfinite(source[name])}


def _comparison(previous: ModelVersion | None, metrics: dict[str, float]) -> dict[str, Any] | None:
    if previous is None:
        return None
    changes = {
        f"{name}_change": metrics[name] - float(previous.metrics[name])
        for name in CARD_METRICS
        if name in metrics and name in previous.metrics
    }
    return {"previous_version": previous.version, **changes, "previous_metrics": previous.metrics}


def register_run(
    params: TrainDetectionParams,
    point: StartingPoint,
    run: RunResult,
    prepared: PreparedData,
    progress: TrainProgress,
    ctx: JobContext,
    extra_card: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
    """(report's model section, comparison with the previous detector, other report sections)."""
    if not run.best.is_file():
        raise FailedPrecondition("the run produced no best.pt (no epoch completed)")
    registry = registry_at(ctx.workspace_root)
    previous = registry.previous(LAYER)
    info = inspect(run.best)
    imgsz = run.imgsz
    ctx.progress(0, 0, message="exporting to ONNX")
    export = export_detector(run.best, ctx.scratch_dir / "export" / "best.onnx", imgsz)
    ctx.log(
        f"ONNX export checked against PyTorch: max abs difference {export.max_abs_diff_boxes:.2e} px in boxes, "
        f"{export.max_abs_diff_scores:.2e} in scores"
    )
    names = prepared.check.names
    metrics = final_metrics(progress)
    detector = OnnxDetector.open(export.path)
    ctx.progress(0, 0, message="reviewing the validation images")
    review = review_validation(detector, prepared.check.splits["val"].images, names)
    extra: dict[str, Any] = {
        "final": metrics,
        "per_class": run.per_class,
        "confusion_matrix": review.confusion,
        "samples": review.samples,
        "inference_provider": detector.provider,
    }
    parent = point.value if point.kind == "version" else (previous.version if previous else "")
    card = {
        "architecture": info.architecture,
        "task": "detect",
        "parameters": info.parameters,
        "classes": names,
        "imgsz": imgsz,
        "data_fingerprint": fingerprint(prepared.check),
        "data": prepared.source,
        "metrics": metrics,
        "per_class_ap50": {row["class"]: row["ap50"] for row in extra["per_class"] if row["ap50"] is not None},
        "epochs": len(progress.history),
        "started_from": point.value,
        "augmentation": {"preset": params.preset, "overrides": list(params.augment)},
        "parent_version": parent,
        "job_id": ctx.job_id,
        "onnx": {
            "imgsz": export.imgsz,
            "opset": export.opset,
            "max_abs_diff_boxes": export.max_abs_diff_boxes,
            "max_abs_diff_scores": export.max_abs_diff_scores,
        },
        "environment": {**environment(progress.device or "cpu"), "ultralytics": _ultralytics_version()},
        **(extra_card or {}),
    }
    files = publish_version(registry, LAYER, {"weights": run.best, "onnx": export.path}, card, ctx)
    section = {
        **files,
        "architecture": info.architecture,
        "parameters": info.parameters,
        "classes": names,
        "imgsz": imgsz,
        "onnx_max_abs_diff": max(export.max_abs_diff_boxes, export.max_abs_diff_scores),
        "onnx_max_abs_diff_boxes": export.max_abs_diff_boxes,
        "onnx_max_abs_diff_scores": export.max_abs_diff_scores,
        "parent_version": parent,
        "previous_version": previous.version if previous else "",
    }
    return section, _comparison(previous, metrics), extra


def _ultralytics_version() -> str:
    import ultralytics

    return str(ultralytics.__version__)
