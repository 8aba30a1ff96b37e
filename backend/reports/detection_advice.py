"""Advice for a detection training run, derived from its data, curves and per-class results."""

from __future__ import annotations

import math
from typing import Any

FEW_OBJECTS = 50  # objects of a class in training below which more labels are the best investment
STILL_IMPROVING = 0.01  # mAP50 gain over the last epochs that says "train longer"


def _finite(values: list[Any]) -> list[float]:
    return [float(v) for v in values if isinstance(v, int | float) and math.isfinite(v)]


def detection_advice(report: dict[str, Any]) -> list[str]:
    advice: list[str] = []
    state, error = report.get("state", ""), report.get("error", "")
    params, env = report.get("parameters", {}), report.get("environment", {})
    if state == "failed" and "out of memory" in error.lower():
        advice.append(f"Memory ran out; halve --batch (now {params.get('batch')}) or lower --imgsz.")
    if state == "cancelled":
        advice.append("The run was cancelled; its last completed epoch is kept, resume it to continue from there.")
    if state == "interrupted":
        advice.append("The backend stopped during the run; resume it to continue from its last completed epoch.")
    splits = (report.get("data") or {}).get("splits") or {}
    train = splits.get("train") or {}
    rare = [name for name, count in (train.get("instances_by_class") or {}).items() if 0 < count < FEW_OBJECTS]
    missing = [name for name, count in (train.get("instances_by_class") or {}).items() if count == 0]
    if rare:
        advice.append(
            f"Few labelled objects of {', '.join(rare)} (under {FEW_OBJECTS} each): label more, or train with "
            "--preset few-photos for heavier augmentation."
        )
    if missing:
        advice.append(f"No training objects of {', '.join(missing)}: the model cannot learn those classes.")
    epochs = report.get("epochs") or []
    maps = _finite([e.get("map50") for e in epochs])
    if state == "succeeded" and len(maps) >= 2:
        window = maps[-3:]
        if window[-1] - window[0] > STILL_IMPROVING:
            advice.append(
                f"Still improving: mAP50 rose {window[-1] - window[0]:+.3f} over the last epochs; train longer."
            )
    if maps and max(maps) == 0 and state == "succeeded":
        advice.append(
            "mAP is 0: the model found nothing yet. Train for more epochs (from scratch, YOLO needs dozens to "
            "hundreds), start from a registered detector, or check that the labels match the images."
        )
    weak = [
        row["class"]
        for row in report.get("per_class") or []
        if row.get("ap50") is not None and row["ap50"] < 0.3 and row.get("instances", 0) > 0
    ]
    if weak and maps and max(maps) > 0:
        advice.append(f"Weak classes (AP50 under 0.3): {', '.join(weak)}; add labelled examples of them first.")
    comparison = report.get("comparison") or {}
    change = comparison.get("map50_95_change")
    if isinstance(change, int | float) and change < 0:
        advice.append(
            f"Worse than {comparison.get('previous_version')} (mAP50-95 {change:+.3f}); keep the current model."
        )
    elif isinstance(change, int | float) and change > 0.005:
        version = (report.get("model") or {}).get("version")
        advice.append(f"Better than {comparison.get('previous_version')}; consider `omni models promote {version}`.")
    if not env.get("cuda_available"):
        advice.append("Trained on CPU: a GPU backend (or SageMaker) makes larger models and image sizes practical.")
    return advice
