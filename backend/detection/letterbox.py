"""Letterboxing as Ultralytics' ``LetterBox`` does it for a fixed-size model input: scale the image to fit
(aspect kept, up or down), centre it, pad with grey 114. The resize is OpenCV's ``INTER_LINEAR`` (half-pixel
centres, no antialiasing): OpenCV's own when it is installed, else written out in numpy (pixels within one
grey level). ``unletterbox`` maps boxes back like ``ops.scale_boxes``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAD_VALUE = 114


@dataclass(frozen=True)
class Placement:
    """Where the scaled image sits inside the model input."""

    source_h: int
    source_w: int
    input_h: int
    input_w: int
    scaled_h: int
    scaled_w: int
    top: int
    left: int


def placement(source_h: int, source_w: int, input_h: int, input_w: int) -> Placement:
    """Ultralytics' ``LetterBox.get_params`` (centre, scale up allowed), Python's rounding included."""
    ratio = min(input_h / source_h, input_w / source_w)
    scaled_w, scaled_h = max(round(source_w * ratio), 1), max(round(source_h * ratio), 1)
    dw, dh = (input_w - scaled_w) / 2, (input_h - scaled_h) / 2
    return Placement(source_h, source_w, input_h, input_w, scaled_h, scaled_w, round(dh - 0.1), round(dw - 0.1))


def _axis(source: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per output index: the two source indices and the weight of the second (OpenCV's INTER_LINEAR)."""
    scale = source / target
    position = (np.arange(target, dtype=np.float64) + 0.5) * scale - 0.5
    low = np.floor(position)
    weight = position - low
    low = low.astype(np.int64)
    weight[low < 0] = 0.0
    low = np.clip(low, 0, source - 1)
    high = np.minimum(low + 1, source - 1)
    weight[low >= source - 1] = 0.0
    return low, high, weight.astype(np.float32)


def resize_linear(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)`` for H x W x C uint8 images:
    OpenCV itself where it is installed (it comes with Ultralytics; only worker and helper processes get
    here, never the server), else the same interpolation in numpy (within one grey level of it)."""
    if image.shape[0] == height and image.shape[1] == width:
        return image
    try:
        import cv2
    except ImportError:
        return resize_linear_numpy(image, height, width)
    return np.asarray(cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR))


def resize_linear_numpy(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """OpenCV's INTER_LINEAR in numpy (float arithmetic; OpenCV rounds in fixed point)."""
    y0, y1, wy = _axis(image.shape[0], height)
    x0, x1, wx = _axis(image.shape[1], width)
    rows_low = image[y0].astype(np.float32)
    rows_high = image[y1].astype(np.float32)
    wy3 = wy[:, None, None]
    rows = rows_low + (rows_high - rows_low) * wy3
    left, right = rows[:, x0], rows[:, x1]
    out = left + (right - left) * wx[None, :, None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def letterbox(image: np.ndarray, input_h: int, input_w: int) -> tuple[np.ndarray, Placement]:
    """The H x W x 3 uint8 RGB ``image`` as a 1 x 3 x input_h x input_w float32 tensor in [0, 1]."""
    place = placement(image.shape[0], image.shape[1], input_h, input_w)
    canvas = np.full((input_h, input_w, 3), PAD_VALUE, dtype=np.uint8)
    scaled = resize_linear(image, place.scaled_h, place.scaled_w)
    canvas[place.top : place.top + place.scaled_h, place.left : place.left + place.scaled_w] = scaled
    tensor = canvas.transpose(2, 0, 1)[None].astype(np.float32) / 255.0
    return np.ascontiguousarray(tensor), place


def unletterbox(boxes: np.ndarray, place: Placement) -> np.ndarray:
    """xyxy boxes in model-input pixels -> source-image pixels, clipped to the image (``ops.scale_boxes``)."""
    out = boxes.astype(np.float32, copy=True)
    gain_y, gain_x = place.scaled_h / place.source_h, place.scaled_w / place.source_w
    out[:, [0, 2]] = (out[:, [0, 2]] - place.left) / gain_x
    out[:, [1, 3]] = (out[:, [1, 3]] - place.top) / gain_y
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, place.source_w)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, place.source_h)
    return out
