"""The inference handler inside a SageMaker endpoint: the serving container's ``model_fn`` / ``input_fn`` /
``predict_fn`` / ``output_fn`` (the SageMaker PyTorch inference toolkit calls them in this order).

It runs the same ``OnnxDetector`` as ``omni detect`` (letterbox, one ONNX Runtime session, NMS), so an endpoint
answers with the boxes this backend would find. A photo (``image/jpeg`` or ``image/png``) in; JSON out: each
detection's class, confidence and box in the image's pixels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

IMAGE_TYPES = ("image/jpeg", "image/png")
JSON_TYPE = "application/json"
SERVING_FILE = "serving.json"
MODEL_FILE = "model.onnx"


class UnsupportedContent(ValueError):
    """The request's content type is not one this endpoint reads (the toolkit answers it with an error)."""


@dataclass
class Served:
    detector: Any  # backend.detection.onnx_detector.OnnxDetector
    conf: float
    iou: float
    max_det: int
    version: str


@dataclass
class Prediction:
    width: int
    height: int
    detections: list[Any]


def model_fn(model_dir: str) -> Served:
    from backend.detection.onnx_detector import OnnxDetector

    folder = Path(model_dir)
    settings = json.loads((folder / SERVING_FILE).read_text())
    return Served(
        detector=OnnxDetector.open(folder / MODEL_FILE),
        conf=float(settings["conf"]),
        iou=float(settings["iou"]),
        max_det=int(settings["max_det"]),
        version=str(settings["version"]),
    )


def input_fn(body: bytes, content_type: str) -> np.ndarray:
    from backend.detection.images import UnreadableImage, decode_rgb

    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in IMAGE_TYPES:
        raise UnsupportedContent(f"content type {content_type!r}: send {' or '.join(IMAGE_TYPES)}")
    try:
        return decode_rgb(bytes(body))
    except UnreadableImage as error:
        raise UnsupportedContent(f"the body is not a readable image: {error.reason}") from None


def predict_fn(image: np.ndarray, model: Served) -> Prediction:
    detections = model.detector.detect(image, conf=model.conf, iou=model.iou, max_det=model.max_det)
    return Prediction(width=int(image.shape[1]), height=int(image.shape[0]), detections=detections)


def output_fn(prediction: Prediction, accept: str) -> str:
    """JSON whatever ``accept`` says (the only form this endpoint answers in)."""
    return json.dumps(
        {
            "width": prediction.width,
            "height": prediction.height,
            "detections": [
                {
                    "class": d.class_name,
                    "class_id": d.class_id,
                    "confidence": round(d.confidence, 6),
                    "box": [round(v, 2) for v in (d.x1, d.y1, d.x2, d.y2)],
                }
                for d in prediction.detections
            ],
        }
    )
