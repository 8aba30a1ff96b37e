"""YOLO label text (``class x_center y_center width height``, normalised) as boxes to draw."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class YoloBox:
    class_id: int
    x_center: float
    y_center: float
    width: float
    height: float

    def pixel_rect(self, image_width: int, image_height: int) -> tuple[float, float, float, float]:
        """(left, top, width, height) in pixels."""
        w, h = self.width * image_width, self.height * image_height
        return self.x_center * image_width - w / 2, self.y_center * image_height - h / 2, w, h


def parse_yolo_labels(text: str) -> list[YoloBox]:
    """Every well-formed line as a box; blank or malformed lines are skipped."""
    boxes = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 5:
            continue
        try:
            class_id = int(parts[0])
            x, y, w, h = (float(part) for part in parts[1:])
        except ValueError:
            continue
        boxes.append(YoloBox(class_id, x, y, w, h))
    return boxes
