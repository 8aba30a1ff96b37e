"""The detection-specific parts of a training report: per-class results from Ultralytics' final validation
(of ``best.pt``), and, from the ONNX export (the model as it will be used) on the validation images, the
confusion matrix (computed as Ultralytics computes it, which it only does when it plots) and a few images
with true and predicted boxes."""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backend.detection.onnx_detector import Detection, OnnxDetector
from omni_core.detection.drawing import DrawnBox, draw_boxes, encode
from omni_core.detection.images import UnreadableImage, decode_rgb
from omni_core.formats.yolo import label_path, parse_line

SAMPLE_COUNT = 4
SAMPLE_SIDE = 480
MATRIX_CONF = 0.25  # Ultralytics' confusion matrix threshold
MATCH_IOU = 0.45  # and its matching IoU
MAX_MATRIX_IMAGES = 500


def _value(array: Any, index: int) -> float | None:
    try:
        value = float(array[index])
    except (IndexError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def per_class_results(validator: Any, names: Sequence[str]) -> list[dict[str, Any]]:
    """One row per class: validation images and instances, precision, recall, AP50 and AP50-95 (None when
    the class has no validation instances, so nothing could be measured)."""
    metrics = getattr(validator, "metrics", None)
    box = getattr(metrics, "box", None)
    if box is None:
        return []
    indices = [int(i) for i in getattr(box, "ap_class_index", [])]
    instances = getattr(metrics, "nt_per_class", None)
    images = getattr(metrics, "nt_per_image", None)
    rows = []
    for class_id, name in enumerate(names):
        row: dict[str, Any] = {
            "class_id": class_id,
            "class": name,
            "instances": int(instances[class_id]) if instances is not None and class_id < len(instances) else 0,
            "images": int(images[class_id]) if images is not None and class_id < len(images) else 0,
            "precision": None,
            "recall": None,
            "ap50": None,
            "ap50_95": None,
        }
        if class_id in indices:
            position = indices.index(class_id)
            row.update(
                precision=_value(box.p, position),
                recall=_value(box.r, position),
                ap50=_value(box.ap50, position),
                ap50_95=_value(box.ap, position),
            )
        rows.append(row)
    return rows


def _truth(image: Path, width: int, height: int, names: Sequence[str]) -> list[DrawnBox]:
    labels = label_path(image)
    boxes: list[DrawnBox] = []
    if not labels.is_file():
        return boxes
    for line in labels.read_text(encoding="utf-8-sig").splitlines():
        box, _ = parse_line(line, len(names)) if line.strip() else (None, "")
        if box is None:
            continue
        x, y, w, h = box.x_center * width, box.y_center * height, box.width * width, box.height * height
        boxes.append(DrawnBox(x - w / 2, y - h / 2, x + w / 2, y + h / 2, names[box.class_id], box.class_id, True))
    return boxes


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box of ``a`` (N x 4 xyxy) with every box of ``b`` (M x 4)."""
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(bottom_right - top_left, 0, None).prod(axis=2)
    area_a = (a[:, 2:] - a[:, :2]).prod(axis=1)
    area_b = (b[:, 2:] - b[:, :2]).prod(axis=1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)


def add_to_confusion(matrix: np.ndarray, truth: list[DrawnBox], found: list[Detection]) -> None:
    """Ultralytics' ``ConfusionMatrix.process_batch`` for one image: predictions matched to true boxes by
    IoU above ``MATCH_IOU``, best first, each used once; the last row/column is the background."""
    background = matrix.shape[0] - 1
    true_xyxy = np.array([[t.x1, t.y1, t.x2, t.y2] for t in truth], dtype=np.float64).reshape(-1, 4)
    pred_xyxy = np.array([[d.x1, d.y1, d.x2, d.y2] for d in found], dtype=np.float64).reshape(-1, 4)
    matched_pred: dict[int, int] = {}  # true index -> prediction index
    if len(truth) and len(found):
        iou = _iou(true_xyxy, pred_xyxy)
        pairs = sorted(zip(*np.nonzero(iou > MATCH_IOU), strict=True), key=lambda p: -iou[p[0], p[1]])
        used: set[int] = set()
        for t, p in pairs:
            if int(t) not in matched_pred and int(p) not in used:
                matched_pred[int(t)] = int(p)
                used.add(int(p))
    for index, box in enumerate(truth):
        row = found[matched_pred[index]].class_id if index in matched_pred else background
        matrix[row, box.class_id] += 1
    for index, detection in enumerate(found):
        if index not in matched_pred.values():
            matrix[detection.class_id, background] += 1


@dataclass
class ValidationReview:
    confusion: dict[str, Any] | None
    samples: list[dict[str, Any]] = field(default_factory=list)
    images: int = 0


def _sample(image: Path, pixels: np.ndarray, truth: list[DrawnBox], found: list[Detection]) -> dict[str, Any]:
    predicted = [DrawnBox(d.x1, d.y1, d.x2, d.y2, f"{d.class_name} {d.confidence:.2f}", d.class_id) for d in found]
    drawn = draw_boxes(pixels, truth + predicted)
    height, width = pixels.shape[:2]
    return {
        "image": image.name,
        "width": width,
        "height": height,
        "true_boxes": len(truth),
        "predicted_boxes": len(predicted),
        "predicted": [
            {"class": d.class_name, "confidence": round(d.confidence, 4), "xyxy": [d.x1, d.y1, d.x2, d.y2]}
            for d in found
        ],
        "jpeg_base64": base64.b64encode(encode(drawn, quality=85, max_side=SAMPLE_SIDE)).decode(),
    }


def review_validation(
    detector: OnnxDetector,
    images: Sequence[Path],
    names: Sequence[str],
    *,
    samples: int = SAMPLE_COUNT,
    conf: float = MATRIX_CONF,
    limit: int = MAX_MATRIX_IMAGES,
) -> ValidationReview:
    """The confusion matrix of the ONNX export on (up to ``limit``) validation images, at ``conf``, and the
    first ``samples`` labelled images drawn with true (green) and predicted (class colour) boxes."""
    matrix = np.zeros((len(names) + 1, len(names) + 1), dtype=np.int64)
    review = ValidationReview(confusion=None)
    for image in images[:limit]:
        try:
            pixels = decode_rgb(image)
        except UnreadableImage:
            continue
        height, width = pixels.shape[:2]
        truth = _truth(image, width, height, names)
        found = [d for d in detector.detect(pixels, conf=conf) if d.class_id < len(names)]
        add_to_confusion(matrix, truth, found)
        review.images += 1
        if len(review.samples) < samples and label_path(image).is_file():
            review.samples.append(_sample(image, pixels, truth, found))
    review.confusion = {
        "labels": [*names, "background"],
        "matrix": matrix.tolist(),
        "axes": "rows: predicted, columns: true",
        "conf": conf,
        "iou": MATCH_IOU,
        "images": review.images,
        "of_images": len(images),
    }
    return review
