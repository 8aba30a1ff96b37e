"""The Models view's SageMaker endpoints: their rows, what can be done with the selection, and an invoke's answer
as lines a person reads. Qt-free."""

from __future__ import annotations

import json
from pathlib import Path

from desktop.models.events import Event
from desktop.models.table_rows import Row
from protos.omni.v1 import cloud_pb2

COLUMNS = ("Name", "Status", "Version", "Memory", "At once")
CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
#: a detector deployed from the Models view takes the backend's defaults (2048 MB, 5 at once, omni-VERSION)
DEPLOYABLE_LAYER = "detector"


def content_type(path: Path) -> str | None:
    """The type SageMaker is told for a photo, or None for a file an endpoint does not read."""
    return CONTENT_TYPES.get(path.suffix.lower())


def answer_lines(body: bytes) -> list[str]:
    """A detector endpoint's JSON answer, one line per box; anything else as its text."""
    try:
        answer = json.loads(body.decode("utf-8"))
        detections = answer["detections"]
        lines = [f"{len(detections)} detections on {answer['width']} x {answer['height']} px"]
        for item in detections:
            box = ", ".join(f"{value:.0f}" for value in item["box"])
            lines.append(f"{item['class']:<16} {item['confidence']:.2f}  [{box}]")
        return lines
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return [body.decode("utf-8", errors="replace")[:2000]]


class EndpointsModel:
    def __init__(self) -> None:
        self.endpoints: list[cloud_pb2.Endpoint] = []
        self.selected = ""
        self.answer: list[str] = []
        self.changed: Event[[]] = Event()

    def set_endpoints(self, endpoints: list[cloud_pb2.Endpoint]) -> None:
        self.endpoints = list(endpoints)
        if self.selected not in {e.name for e in self.endpoints}:
            self.selected = ""
        self.changed.emit()

    def select(self, name: str) -> None:
        self.selected = name
        self.changed.emit()

    def set_answer(self, lines: list[str]) -> None:
        self.answer = lines
        self.changed.emit()

    def rows(self) -> list[Row]:
        return [
            Row(
                key=e.name,
                cells=(e.name, e.status, e.version or "-", f"{e.memory_mb} MB", str(e.max_concurrency)),
                tooltips={1: e.failure_reason} if e.failure_reason else {},
            )
            for e in self.endpoints
        ]

    def can_invoke(self) -> bool:
        return any(e.name == self.selected and e.status == "InService" for e in self.endpoints)

    def can_delete(self) -> bool:
        return bool(self.selected)
