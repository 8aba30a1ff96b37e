"""Parameters of the dataset jobs. Field names equal those of ``ImportDatasetSpec`` / ``ExportDatasetSpec``
(``backend.rpc.convert`` relies on it); statuses are ``omni.v1.ImageStatus`` numbers (``records.Status``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImportDatasetParams:
    path: str = ""
    format: str = "images"
    name: str = ""
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportDatasetParams:
    dataset: str = ""
    out: str = ""
    format: str = "yolo"
    split: tuple[float, ...] = ()
    seed: int = 0
    statuses: tuple[int, ...] = ()
