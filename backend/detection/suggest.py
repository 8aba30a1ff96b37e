"""Model-assisted labelling: detections as dataset boxes with a confidence.

A detector's classes are matched to the dataset's by name (a detector trained on the dataset has the
same names); boxes of classes the dataset does not have are left out and named in ``unmapped``. Merging
keeps every box a person drew or accepted (no confidence), replaces earlier suggestions, and leaves out
a suggestion that repeats a kept box of the same class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from backend.datasets.records import DatasetRecord
from backend.detection.nms import nms
from omni_core.formats.model import Box

#: (class index in the model, confidence, x1, y1, x2, y2) in pixels of the upright image
RawBox = tuple[int, float, float, float, float, float]


@dataclass(frozen=True)
class ClassMapping:
    to_dataset: dict[int, int]  # model class index -> dataset class id
    unmapped: tuple[str, ...]  # model class names the dataset does not have


def class_mapping(model_names: Sequence[str], dataset: DatasetRecord) -> ClassMapping:
    by_name = {c.name.strip().lower(): c.id for c in dataset.classes if not c.deleted}
    mapping: dict[int, int] = {}
    unmapped: list[str] = []
    for index, name in enumerate(model_names):
        target = by_name.get(name.strip().lower())
        if target is None:
            unmapped.append(name)
        else:
            mapping[index] = target
    return ClassMapping(mapping, tuple(unmapped))


def to_boxes(raw: Sequence[RawBox], width: int, height: int, mapping: ClassMapping) -> list[Box]:
    """Dataset boxes (normalised to the upright image, with confidence), highest confidence first."""
    boxes = []
    for cls, conf, x1, y1, x2, y2 in sorted(raw, key=lambda item: -item[1]):
        if cls not in mapping.to_dataset:
            continue
        left, right = min(max(x1, 0.0), width) / width, min(max(x2, 0.0), width) / width
        top, bottom = min(max(y1, 0.0), height) / height, min(max(y2, 0.0), height) / height
        if right - left <= 0 or bottom - top <= 0:
            continue
        boxes.append(
            Box(
                mapping.to_dataset[cls],
                (left + right) / 2,
                (top + bottom) / 2,
                right - left,
                bottom - top,
                min(1.0, max(0.0, float(conf))),
            )
        )
    return boxes


def _xyxy(boxes: Sequence[Box]) -> np.ndarray:
    return np.array(
        [
            [b.x_center - b.width / 2, b.y_center - b.height / 2, b.x_center + b.width / 2, b.y_center + b.height / 2]
            for b in boxes
        ],
        dtype=np.float64,
    ).reshape(-1, 4)


def merge_suggestions(existing: Sequence[Box], suggested: Sequence[Box], iou: float) -> list[Box]:
    """The person's boxes, then the suggestions that do not repeat one of them (same class, IoU > ``iou``)."""
    kept = [box for box in existing if box.confidence is None]
    merged = list(kept)
    for box in suggested:
        same = [k for k in kept if k.class_id == box.class_id]
        if same:
            candidates = [*same, box]
            scores = np.array([2.0] * len(same) + [float(box.confidence or 0.0)])
            if len(nms(_xyxy(candidates), scores, iou, limit=len(candidates))) <= len(same):
                continue
        merged.append(box)
    return merged


@dataclass
class SuggestResult:
    boxes: list[Box]
    model_version: str
    provider: str
    unmapped: list[str] = field(default_factory=list)
    width: int = 0
    height: int = 0
    seconds: float = 0.0
