"""Decoding a YOLO detection head's output and non-maximum suppression in numpy, step for step what
Ultralytics' ``non_max_suppression`` does for a detect model (best class per box, class-aware NMS by
offsetting boxes by class, ``max_nms`` and ``max_det`` limits) with torchvision's NMS semantics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_WH = 7680  # per-class coordinate offset (Ultralytics' max_wh)
MAX_NMS = 30000
MAX_DET = 300


@dataclass(frozen=True)
class RawDetections:
    """Kept detections in model-input pixels: xyxy (N x 4), confidence (N), class index (N)."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray

    def __len__(self) -> int:
        return int(self.scores.shape[0])


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    out = np.empty_like(boxes)
    half_w, half_h = boxes[:, 2] / 2, boxes[:, 3] / 2
    out[:, 0] = boxes[:, 0] - half_w
    out[:, 1] = boxes[:, 1] - half_h
    out[:, 2] = boxes[:, 0] + half_w
    out[:, 3] = boxes[:, 1] + half_h
    return out


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, limit: int = MAX_DET) -> np.ndarray:
    """Indices kept by greedy NMS, highest score first (torchvision.ops.nms); stops after ``limit`` kept."""
    order = np.argsort(-scores, kind="stable")
    x1, y1, x2, y2 = (boxes[:, k] for k in range(4))
    areas = (x2 - x1) * (y2 - y1)
    keep: list[int] = []
    while order.size and len(keep) < limit:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        width = np.maximum(0.0, np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]))
        height = np.maximum(0.0, np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]))
        inter = width * height
        iou = inter / (areas[best] + areas[rest] - inter)
        order = rest[~(iou > iou_threshold)]
    return np.asarray(keep, dtype=np.int64)


def decode(
    output: np.ndarray,
    conf: float,
    iou: float,
    *,
    agnostic: bool = False,
    max_det: int = MAX_DET,
    max_nms: int = MAX_NMS,
    end2end: bool = False,
) -> RawDetections:
    """One image's head output (4 + nc) x anchors (boxes as centre x, centre y, w, h) -> kept detections.

    ``end2end`` heads (YOLO26, YOLOv10) output N x 6 rows (x1, y1, x2, y2, confidence, class) after their
    own selection: those are only filtered by confidence and ``max_det``, as Ultralytics does."""
    prediction = np.asarray(output, dtype=np.float32)
    if prediction.ndim == 3:
        prediction = prediction[0]
    if end2end:
        rows = prediction[prediction[:, 4] > conf][:max_det]
        return RawDetections(rows[:, :4].copy(), rows[:, 4].copy(), rows[:, 5].astype(np.int64))
    class_scores = prediction[4:]
    best = class_scores.max(axis=0)
    candidates = np.flatnonzero(best > conf)
    empty = RawDetections(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))
    if candidates.size == 0:
        return empty
    boxes = xywh_to_xyxy(prediction[:4, candidates].T)
    scores = best[candidates]
    classes = class_scores[:, candidates].argmax(axis=0)
    if scores.size > max_nms:
        top = np.argsort(-scores, kind="stable")[:max_nms]
        boxes, scores, classes = boxes[top], scores[top], classes[top]
    offset = 0.0 if agnostic else MAX_WH
    kept = nms(boxes + (classes[:, None] * offset).astype(np.float32), scores, iou, max_det)
    return RawDetections(boxes[kept], scores[kept], classes[kept].astype(np.int64))
