"""What became of one image of a batch: the record the summary, the per-item events and a remote client share."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    key: str
    output: str
    restored: bool
    reason: str = ""  # why it was not restored
    width: int = 0
    height: int = 0
    seconds: float = 0.0  # inference time of this image
    tile: int = 0  # longest tile side used; 0 = the whole image at once
    plan: str = ""  # the tile plan, e.g. "whole" or "1x2 tiles of 3000x2016 px, 1.01x the pixels"
    notes: list[str] = field(default_factory=list)
    metrics: dict[str, float] | None = None
    metrics_problem: str = ""
    size_bytes: int = 0
    pages: int = 1  # a multi-page TIFF's pages; width, height, tile and plan are the first page's
    pixels: int = 0  # of every page together; 0 = width x height

    @property
    def megapixels(self) -> float:
        return (self.pixels or self.width * self.height) / 1e6
