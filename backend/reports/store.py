"""Reports on the artifact store: ``training-outputs/reports/<job id>/report.{json,txt,html}``."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from backend.reports.render import RENDERED_FORMATS, render
from backend.storage.base import ArtifactStore
from omni_core.confinement import check_text
from omni_core.errors import InvalidArgument, NotFound, shown

PREFIX = "training-outputs/reports/"
FORMATS = ("json", "text", "html")
FILE_OF = {"json": "report.json", "text": "report.txt", "html": "report.html"}


@dataclass
class ReportSummary:
    id: str
    kind: str
    title: str
    state: str
    created_at: float
    model_version: str


def report_key(report_id: str, fmt: str = "json") -> str:
    return f"{PREFIX}{report_id}/{FILE_OF[fmt]}"


def save_report(store: ArtifactStore, report: dict[str, Any]) -> dict[str, str]:
    """Write the JSON and its two renderings; returns format -> key. The JSON goes last: a report is
    listed once its source of truth exists."""
    report_id = report["id"]
    keys = {}
    for fmt in RENDERED_FORMATS:
        keys[fmt] = report_key(report_id, fmt)
        store.put_bytes(keys[fmt], render(report, fmt).encode())
    keys["json"] = report_key(report_id)
    store.put_bytes(keys["json"], json.dumps(report, indent=2, default=str).encode())
    return keys


def load_report(store: ArtifactStore, report_id: str) -> dict[str, Any]:
    if not report_id or "/" in report_id or "\\" in report_id or report_id.startswith("."):
        raise InvalidArgument("report_id", f"{shown(report_id)} is not a report id")
    check_text(report_id, "report_id")
    key = report_key(report_id)
    if not store.exists(key):
        raise NotFound(f"no report {shown(report_id)}")
    return dict(json.loads(store.get_bytes(key)))


def get_report(store: ArtifactStore, report_id: str, fmt: str = "text") -> str:
    if fmt not in FORMATS:
        raise InvalidArgument("format", f"unknown format {shown(fmt)}; choose one of {', '.join(FORMATS)}")
    report = load_report(store, report_id)
    stored = report_key(report_id, fmt)
    if store.exists(stored):
        return store.get_bytes(stored).decode()
    return json.dumps(report, indent=2) if fmt == "json" else render(report, fmt)


def list_reports(store: ArtifactStore, *, kind: str = "") -> list[ReportSummary]:
    summaries = []
    for key in store.keys(PREFIX):
        if not key.endswith("/report.json"):
            continue
        report = json.loads(store.get_bytes(key))
        if kind and report.get("kind") != kind:
            continue
        summaries.append(
            ReportSummary(
                id=report["id"],
                kind=report.get("kind", ""),
                title=report.get("title", ""),
                state=report.get("state", ""),
                created_at=float(report.get("job", {}).get("finished_at") or store.stat(key).modified),
                model_version=(report.get("model") or {}).get("version", ""),
            )
        )
    return sorted(summaries, key=lambda s: s.created_at, reverse=True)


def json_safe(value: Any) -> Any:
    """Strict JSON has no NaN or infinity (PSNR of identical images is infinite): they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
