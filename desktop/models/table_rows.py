"""Rows of a read-only table as plain data: the Qt layer draws them, the view-models build them.

A cell's ``tone`` names how it should look, not a colour: the Qt side maps tones to fonts and colours, so
the view-models stay Qt-free and tests can read the intent (``"good"``, ``"bad"``, ...) directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Tone = Literal["", "mono", "bold", "muted", "good", "bad", "current", "state"]


@dataclass(frozen=True)
class Row:
    key: str  # what the row stands for (a version, a report id): selection follows it across refreshes
    cells: tuple[str, ...]
    tones: tuple[Tone, ...] = ()  # per cell; missing means ""
    tooltips: dict[int, str] = field(default_factory=dict)
    state: int = 0  # a jobs_pb2.JobState for cells with the "state" tone

    def tone(self, column: int) -> Tone:
        return self.tones[column] if column < len(self.tones) else ""
