"""Detection with the ONNX export of a YOLO detector in ONNX Runtime: letterbox, one session run, NMS.

The session comes from ``backend.inference.engine`` (best execution provider that actually initialises:
TensorRT, CUDA, then CPU; chosen at run time, reported in ``provider`` and ``warnings``). Class names,
input size and task are read from the metadata Ultralytics writes into the export. Imports ONNX Runtime:
worker and helper processes only.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backend.detection.letterbox import letterbox, unletterbox
from backend.detection.nms import MAX_DET, decode
from backend.inference.engine import Engine, EngineOptions, open_engine
from omni_core.detection.boxes import Detection
from omni_core.errors import FailedPrecondition


@dataclass
class ModelInfo:
    names: list[str]
    input_h: int
    input_w: int
    task: str = "detect"
    end2end: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def read_metadata(session: object) -> ModelInfo:
    """Class names, input size and task from the export's metadata (and its input shape)."""
    meta = dict(session.get_modelmeta().custom_metadata_map)  # type: ignore[attr-defined]
    shape = session.get_inputs()[0].shape  # type: ignore[attr-defined]
    task = meta.get("task", "detect")
    if task != "detect":
        raise FailedPrecondition(f"the ONNX file is a {task} model, not a detector", field="model")
    try:
        names_value = ast.literal_eval(meta.get("names", "{}"))
    except (ValueError, SyntaxError):
        names_value = {}
    if isinstance(names_value, dict):
        names = [str(names_value[k]) for k in sorted(names_value)]
    else:
        names = [str(n) for n in names_value]
    if len(shape) != 4 or not isinstance(shape[2], int) or not isinstance(shape[3], int):
        imgsz = ast.literal_eval(meta.get("imgsz", "[640, 640]"))
        height, width = int(imgsz[0]), int(imgsz[1])
    else:
        height, width = int(shape[2]), int(shape[3])
    outputs = session.get_outputs()[0].shape  # type: ignore[attr-defined]
    if not names and len(outputs) == 3 and isinstance(outputs[1], int):
        names = [f"class_{i}" for i in range(outputs[1] - 4)]
    return ModelInfo(names, height, width, task, meta.get("end2end", "False") == "True", meta)


class OnnxDetector:
    def __init__(self, engine: Engine, info: ModelInfo) -> None:
        self.engine = engine
        self.info = info

    @classmethod
    def open(cls, path: Path, *, require_provider: str = "", threads: int = 0) -> OnnxDetector:
        engine = open_engine(Path(path), EngineOptions(require_provider=require_provider, threads=threads))
        return cls(engine, read_metadata(engine.session))

    @property
    def provider(self) -> str:
        return self.engine.provider

    @property
    def names(self) -> list[str]:
        return self.info.names

    def raw(self, tensor: np.ndarray) -> np.ndarray:
        """The head output for a letterboxed 1 x 3 x H x W input: (1, 4 + nc, anchors)."""
        return self.engine.run(tensor)

    def detect(
        self, image: np.ndarray, *, conf: float = 0.25, iou: float = 0.7, max_det: int = MAX_DET
    ) -> list[Detection]:
        """Detections on an H x W x 3 uint8 RGB image, in its pixels, highest confidence first."""
        tensor, place = letterbox(image, self.info.input_h, self.info.input_w)
        raw = decode(self.raw(tensor), conf, iou, max_det=max_det, end2end=self.info.end2end)
        boxes = unletterbox(raw.boxes, place)
        names = self.info.names
        return [
            Detection(
                class_id=int(c),
                class_name=names[int(c)] if int(c) < len(names) else f"class_{int(c)}",
                confidence=float(s),
                x1=float(b[0]),
                y1=float(b[1]),
                x2=float(b[2]),
                y2=float(b[3]),
            )
            for b, s, c in zip(boxes, raw.scores, raw.classes, strict=True)
        ]
