"""``Batch.DetectStream`` messages: the start message to checked options, the detector chosen, and the
worker's results to the contract's messages (the servicer stays thin)."""

from __future__ import annotations

from typing import Any

from backend.detection.models import LAYER
from backend.detection.params import CURRENT, DetectOptions, validate_options
from backend.registry import ModelRegistry
from protos.omni.v1 import batch_pb2


def detect_options(start: batch_pb2.DetectStreamStart) -> DetectOptions:
    """The job's defaults and checks (``validate_options``): an error names the start message's field."""
    options = DetectOptions(
        model=start.model,
        conf=start.conf,
        iou=start.iou,
        max_det=start.max_det,
        require_provider=start.require_provider,
    )
    return validate_options(options)


def model_note(registry: ModelRegistry, requested: str) -> str:
    if requested != CURRENT:
        return "as asked for"
    if registry.current(LAYER) is not None:
        return "the promoted detector"
    return "no detector is promoted; using the newest"


def ready_message(
    ready: dict[str, Any], options: DetectOptions, version: str, note: str
) -> batch_pb2.DetectStreamResponse:
    return batch_pb2.DetectStreamResponse(
        ready=batch_pb2.DetectStreamReady(
            model=version,
            model_note=note,
            classes=ready["classes"],
            provider=ready["provider"],
            provider_warnings=ready["warnings"],
            input_width=ready["input_width"],
            input_height=ready["input_height"],
            conf=options.conf,
            iou=options.iou,
            max_det=options.max_det,
        )
    )


def result_message(result: dict[str, Any]) -> batch_pb2.DetectStreamResponse:
    boxes = [
        batch_pb2.DetectedBox(class_id=c, class_name=n, confidence=s, x1=x1, y1=y1, x2=x2, y2=y2)
        for c, n, s, x1, y1, x2, y2 in result["boxes"]
    ]
    return batch_pb2.DetectStreamResponse(
        result=batch_pb2.DetectResult(
            id=result["key"],
            detected=result["detected"],
            reason=result["reason"],
            width=result["width"],
            height=result["height"],
            seconds=result["seconds"],
            boxes=boxes,
        )
    )


def done_message(counts: dict[str, int]) -> batch_pb2.DetectStreamResponse:
    return batch_pb2.DetectStreamResponse(
        done=batch_pb2.DetectStreamDone(detected=counts["detected"], failed=counts["failed"])
    )
