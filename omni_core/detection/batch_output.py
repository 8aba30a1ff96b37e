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

import numpy as np

from omni_core.batch.output import write_atomic
from omni_core.detection.boxes import Detection
from omni_core.detection.drawing import DrawnBox, draw_boxes, encode
from protos.omni.v1 import jobs_pb2

SUMMARY_JSON = "summary.json"
SUMMARY_CSV = "summary.csv"
DETECTIONS_CSV = "detections.csv"
RECORD_VERSION = 1
ANNOTATED_QUALITY = 92  # JPEG/WebP quality of the annotated images
#: what an annotated image is, whatever the input's mode (CMYK, 16-bit, float, alpha...): a drawing
ANNOTATED_NOTE = "8-bit RGB, upright, boxes drawn; in the input's file format"
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


def write_outputs(paths: OutputPaths, pixels: np.ndarray, found: Sequence[Detection], rec: dict[str, Any]) -> None:
    """The annotated image, the labels, then the record (last: its presence means the image is done), each
    written whole or not at all."""
    height, width = pixels.shape[:2]
    drawn = draw_boxes(
        pixels, [DrawnBox(d.x1, d.y1, d.x2, d.y2, f"{d.class_name} {d.confidence:.2f}", d.class_id) for d in found]
    )
    fmt = WRITE_FORMATS.get(paths.annotated.suffix.lower(), "PNG")
    write_atomic(paths.annotated, encode(drawn, fmt, quality=ANNOTATED_QUALITY))
    write_atomic(paths.labels, label_text(found, width, height).encode())
    write_atomic(paths.record, json.dumps(rec, indent=1).encode())


def detected_item(relative: str, output: str, rec: dict[str, Any]) -> jobs_pb2.ItemOutcome:
    """An image detected (its outputs written) as the contract's per-item outcome."""
    counts: dict[str, int] = rec["counts"]
    return jobs_pb2.ItemOutcome(
        input=relative,
        output=output,
        ok=True,
        seconds=rec["seconds"],
        width=rec["width"],
        height=rec["height"],
        detections=sum(counts.values()),
        classes=counts,
    )


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


def summary_header(
    *,
    model: str,
    provider: str,
    conf: float,
    iou: float,
    source: str,
    classes: Sequence[str],
    subfolders_not_entered: int,
    todo: int,
    done_before: int,
    corrupt: int,
    seconds: float,
) -> dict[str, Any]:
    """The run's part of ``summary.json`` (the same keys for a job and a streamed run)."""
    return {
        "model": model,
        "provider": provider,
        "conf": conf,
        "iou": iou,
        "input": source,
        "annotated_images": ANNOTATED_NOTE,
        "classes": list(classes),
        "subfolders_not_entered": subfolders_not_entered,
        "detected_now": todo - corrupt,
        "done_before": done_before,
        "seconds": round(seconds, 3),
        "images_per_second": round((todo / seconds) if seconds > 0 and todo else 0.0, 2),
    }


def write_summary(
    out: Path,
    record_paths: Sequence[Path],
    names: Sequence[str],
    problems: Sequence[dict[str, str]],
    header: dict[str, Any],
) -> tuple[int, dict[str, bytes]]:
    """Rebuild the summary from the records there are (a resumed run's covers every image) and write its files
    into ``out``; returns the images with results and the files written, by name."""
    records = [r for r in (read_record(path) for path in record_paths) if r]
    files = summary_files(records, names, problems, header)
    for name, data in files.items():
        write_atomic(out / name, data)
    return len(records), files


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
