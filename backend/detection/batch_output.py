"""What batch detection writes for one image, and the run's summary (CSV and JSON).

Per image ``rel/name.jpg`` under OUT: ``annotated/rel/name.jpg`` (boxes drawn, upright), ``labels/rel/name.txt``
(YOLO lines with the confidence last, as ``yolo predict save_conf`` writes) and ``records/rel/name.json``
(everything, written last: an image counts as done once its record is there). The summary is rebuilt
from the records at the end, so a resumed run's summary covers every image.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from backend.detection.onnx_detector import Detection

SUMMARY_JSON = "summary.json"
SUMMARY_CSV = "summary.csv"
DETECTIONS_CSV = "detections.csv"
RECORD_VERSION = 1
WRITE_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
}


@dataclass(frozen=True)
class OutputPaths:
    annotated: Path
    labels: Path
    record: Path

    @staticmethod
    def of(out: Path, relative: str) -> OutputPaths:
        stem = str(PurePosixPath(relative).with_suffix(""))
        return OutputPaths(
            out / "annotated" / relative, out / "labels" / f"{stem}.txt", out / "records" / f"{stem}.json"
        )


def label_text(detections: Sequence[Detection], width: int, height: int) -> str:
    lines = []
    for d in detections:
        x, y, w, h = d.xywhn(width, height)
        lines.append(f"{d.class_id} {x:.6f} {y:.6f} {w:.6f} {h:.6f} {d.confidence:.6f}\n")
    return "".join(lines)


def record(
    relative: str,
    source: Path,
    width: int,
    height: int,
    detections: Sequence[Detection],
    identity: dict[str, Any],
    seconds: float,
) -> dict[str, Any]:
    stat = source.stat()
    return {
        "record_version": RECORD_VERSION,
        "image": relative,
        "width": width,
        "height": height,
        "source_size": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        **identity,
        "seconds": round(seconds, 4),
        "counts": dict(Counter(d.class_name for d in detections)),
        "detections": [
            {
                "class_id": d.class_id,
                "class": d.class_name,
                "confidence": round(d.confidence, 6),
                "xyxy": [round(v, 2) for v in (d.x1, d.y1, d.x2, d.y2)],
                "xywhn": [round(v, 6) for v in d.xywhn(width, height)],
            }
            for d in detections
        ],
    }


def read_record(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("record_version") == RECORD_VERSION else None


def is_done(paths: OutputPaths, source: Path, identity: dict[str, Any]) -> bool:
    """A record for this very input (size and time) and model settings, with its other two outputs."""
    found = read_record(paths.record)
    if found is None or not paths.annotated.is_file() or not paths.labels.is_file():
        return False
    try:
        stat = source.stat()
    except OSError:
        return False
    same_source = found.get("source_size") == stat.st_size and found.get("source_mtime_ns") == stat.st_mtime_ns
    return same_source and all(found.get(key) == value for key, value in identity.items())


def summary_files(
    records: Sequence[dict[str, Any]], names: Sequence[str], problems: Sequence[dict[str, str]], header: dict[str, Any]
) -> dict[str, bytes]:
    """``summary.json``, ``summary.csv`` (one row per image) and ``detections.csv`` (one row per box)."""
    totals: Counter[str] = Counter()
    for item in records:
        totals.update(item.get("counts", {}))
    document = {
        **header,
        "images": len(records),
        "images_with_detections": sum(1 for item in records if item.get("detections")),
        "detections": sum(totals.values()),
        "counts_by_class": {name: totals.get(name, 0) for name in names},
        "per_image": [
            {"image": item["image"], "detections": len(item.get("detections", [])), "counts": item.get("counts", {})}
            for item in records
        ],
        "problems": list(problems),
    }
    per_image = io.StringIO()
    writer = csv.writer(per_image)
    writer.writerow(["image", "status", "width", "height", "detections", *names, "reason"])
    for item in records:
        counts = item.get("counts", {})
        writer.writerow(
            [
                item["image"],
                "ok",
                item["width"],
                item["height"],
                len(item.get("detections", [])),
                *(counts.get(name, 0) for name in names),
                "",
            ]
        )
    for problem in problems:
        writer.writerow([problem["file"], problem["status"], "", "", "", *("" for _ in names), problem["reason"]])
    boxes = io.StringIO()
    writer = csv.writer(boxes)
    writer.writerow(["image", "class_id", "class", "confidence", "x1", "y1", "x2", "y2"])
    for item in records:
        for d in item.get("detections", []):
            writer.writerow([item["image"], d["class_id"], d["class"], d["confidence"], *d["xyxy"]])
    return {
        SUMMARY_JSON: json.dumps(document, indent=2).encode(),
        SUMMARY_CSV: per_image.getvalue().encode(),
        DETECTIONS_CSV: boxes.getvalue().encode(),
    }
