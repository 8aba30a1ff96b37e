"""A detected box, apart from the detector that finds it: what batch outputs, drawings and the client of a
streamed run (which has no ONNX Runtime) share. Light imports only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Detection:
    """One box in source-image pixels (x1, y1, x2, y2), its class index in the model and confidence."""

    class_id: int
    class_name: str
    confidence: float
    x1: float
    y1: float
    x2: float
    y2: float

    def xywhn(self, width: int, height: int) -> tuple[float, float, float, float]:
        """Centre and size normalised to the image (YOLO label values)."""
        return (
            (self.x1 + self.x2) / 2 / width,
            (self.y1 + self.y2) / 2 / height,
            (self.x2 - self.x1) / width,
            (self.y2 - self.y1) / height,
        )
