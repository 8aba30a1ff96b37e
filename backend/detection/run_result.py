"""What registering a detector needs of a finished training, wherever it ran: here, or in a SageMaker container
(which writes it into the model archive; ``backend.detection.trained``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunResult:
    best: Path
    imgsz: int
    per_class: list[dict[str, Any]]
