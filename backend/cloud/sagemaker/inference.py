"""The inference handler inside a SageMaker endpoint: the serving container's ``model_fn`` / ``input_fn`` /
``predict_fn`` / ``output_fn`` (the SageMaker PyTorch inference toolkit calls them in this order).

A detector runs the same ``OnnxDetector`` as ``omni detect`` (letterbox, one ONNX Runtime session, NMS): a photo
(``image/jpeg`` or ``image/png``) in, JSON out (each detection's class, confidence and box in the image's pixels).
A restoration network runs the same ``Restorer`` as ``omni restore`` (tiles, the network made safe for any size):
a photo in, the restored image out as PNG.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

IMAGE_TYPES = ("image/jpeg", "image/png")
JSON_TYPE = "application/json"
PNG_TYPE = "image/png"
SERVING_FILE = "serving.json"
MODEL_FILE = "model.onnx"
DETECTOR, RESTORATION = "detector", "restoration"
#: the tile side a restoration endpoint caps its plans at: serverless memory is small (1-6 GB) and its
#: limit is not always visible to the process, so the side stays fixed rather than memory-derived
RESTORATION_TILE = 512


class UnsupportedContent(ValueError):
    """The request's content type is not one this endpoint reads (the toolkit answers it with an error)."""


@dataclass
class Served:
    kind: str  # DETECTOR | RESTORATION
    runner: Any  # an OnnxDetector, or a Restorer
    conf: float
    iou: float
    max_det: int
    version: str


@dataclass
class Prediction:
    width: int
    height: int
    detections: list[Any]
    restored: np.ndarray | None = None


def model_fn(model_dir: str) -> Served:
    folder = Path(model_dir)
    settings = json.loads((folder / SERVING_FILE).read_text())
    kind = str(settings.get("kind", DETECTOR))
    if kind == RESTORATION:
        from backend.inference.engine import EngineOptions, open_engine
        from backend.inference.memory import model_memory
        from backend.inference.restorer import Restorer

        engine = open_engine(folder / MODEL_FILE, EngineOptions())
        channels = int(engine.session.get_inputs()[0].shape[1])
        multiple = model_memory(folder / MODEL_FILE).multiple  # tiles aligned to the network: no seams
        runner: Any = Restorer(engine.run, model_channels=channels, tile=RESTORATION_TILE, multiple=multiple)
    else:
        from backend.detection.onnx_detector import OnnxDetector

        runner = OnnxDetector.open(folder / MODEL_FILE)
    return Served(
        kind=kind,
        runner=runner,
        conf=float(settings.get("conf", 0.25)),
        iou=float(settings.get("iou", 0.7)),
        max_det=int(settings.get("max_det", 300)),
        version=str(settings["version"]),
    )


def input_fn(body: bytes, content_type: str) -> np.ndarray:
    from omni_core.detection.images import UnreadableImage, decode_rgb

    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in IMAGE_TYPES:
        raise UnsupportedContent(f"content type {content_type!r}: send {' or '.join(IMAGE_TYPES)}")
    try:
        return decode_rgb(bytes(body))
    except UnreadableImage as error:
        raise UnsupportedContent(f"the body is not a readable image: {error.reason}") from None


def predict_fn(image: np.ndarray, model: Served) -> Prediction:
    height, width = int(image.shape[0]), int(image.shape[1])
    if model.kind == RESTORATION:
        pixels = image if model.runner.model_channels == 3 else image.mean(axis=2, keepdims=True).astype(np.uint8)
        return Prediction(width, height, [], restored=model.runner.restore(pixels).pixels)
    detections = model.runner.detect(image, conf=model.conf, iou=model.iou, max_det=model.max_det)
    return Prediction(width=width, height=height, detections=detections)


def output_fn(prediction: Prediction, accept: str) -> str | bytes:
    """A detector answers JSON, a restoration network PNG, whatever ``accept`` says (their only forms)."""
    if prediction.restored is not None:
        import io

        from PIL import Image

        pixels = prediction.restored
        buffer = io.BytesIO()
        Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).save(buffer, format="PNG")
        return buffer.getvalue()
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
