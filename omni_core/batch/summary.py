"""The summary of a batch: counts (restored, skipped, failed and why), wall time, images/s and
megapixels/s, provider, and PSNR/SSIM before/after when references were given. JSON is the source of
truth; the text file renders it for people. Written into OUT by the backend (local run) or by the client
(remote run), the same way."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from omni_core.batch.domain_check import NOT_STATED
from omni_core.batch.formats import SUMMARY_JSON, SUMMARY_TEXT
from omni_core.batch.outcome import Outcome
from omni_core.batch.output import write_atomic
from omni_core.batch.params import RestoreOptions
from omni_core.batch.walk import Skipped
from protos.omni.v1 import batch_pb2

MAX_LISTED = 1000  # per list in the JSON; the counts are always complete


def _mean(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else None


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds)) if seconds else ""


@dataclass
class BatchSummary:
    mode: str  # "local" (the backend read and wrote the folders) or "remote" (streamed from the client)
    input: str
    out: str
    model: str
    layer: str
    job_id: str = ""
    model_note: str = ""
    #: what the model card says it was trained for (``photo``, ``document``, ``unknown``)
    model_domain: str = "unknown"
    #: the inputs sampled look like the other domain (``domain_check``); empty when they do not
    domain_warning: str = ""
    provider: str = ""
    provider_warnings: list[str] = field(default_factory=list)
    #: the export that ran (fp32, fp16, int8) and why
    precision: str = ""
    precision_reason: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    #: why tiles are as large as they are (the memory figures of the default, or what was asked for)
    tile_limit: str = ""
    state: str = "running"  # -> finished | cancelled | stopped | failed
    message: str = ""
    started_at: float = field(default_factory=time.time)
    #: starting the worker and the ONNX Runtime session: in the wall time, not in the throughput
    model_load_seconds: float = 0.0
    finished_at: float = 0.0
    found: int = 0
    #: subfolders of IN a run without ``recursive`` did not read
    subfolders_not_entered: int = 0
    restored: list[Outcome] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[Skipped] = field(default_factory=list)
    missing_reference: list[str] = field(default_factory=list)
    references: bool = False

    # -- collecting ----------------------------------------------------------------------------------

    def add(self, outcome: Outcome) -> None:
        if outcome.restored:
            self.restored.append(outcome)
        else:
            self.failed.append(Skipped(outcome.key, outcome.reason))

    def finish(self, state: str, message: str = "") -> None:
        self.state, self.message, self.finished_at = state, message, time.time()

    # -- figures -------------------------------------------------------------------------------------

    @property
    def wall_seconds(self) -> float:
        return max(0.0, (self.finished_at or time.time()) - self.started_at)

    @property
    def megapixels(self) -> float:
        return sum(outcome.megapixels for outcome in self.restored)

    def counts(self) -> batch_pb2.BatchCounts:
        return batch_pb2.BatchCounts(
            found=self.found,
            restored=len(self.restored),
            skipped=len(self.skipped),
            failed=len(self.failed),
            subfolders_not_entered=self.subfolders_not_entered,
        )

    def _rate(self, amount: float) -> float:
        working = self.wall_seconds - self.model_load_seconds
        return amount / working if working > 0 else 0.0

    def _reference_section(self) -> dict[str, Any]:
        measured = [o for o in self.restored if o.metrics]
        section: dict[str, Any] = {"count": len(measured)}
        for name in ("psnr_before", "psnr_after", "ssim_before", "ssim_after"):
            section[name] = _mean([o.metrics[name] for o in measured if o.metrics])
        before, after = section["psnr_before"], section["psnr_after"]
        section["psnr_change"] = after - before if before is not None and after is not None else None
        if section["ssim_before"] is not None and section["ssim_after"] is not None:
            section["ssim_change"] = section["ssim_after"] - section["ssim_before"]
        section["not_measured"] = [{"file": f, "reason": "no reference with this name"} for f in self.missing_reference]
        section["not_measured"] += [
            {"file": o.key, "reason": o.metrics_problem} for o in self.restored if o.metrics_problem
        ]
        section["images"] = [{"file": o.key, **(o.metrics or {})} for o in measured][:MAX_LISTED]
        return section

    def _tile_plans(self) -> list[dict[str, Any]]:
        """Each distinct plan once, with how many images took it and the size of the first of them."""
        plans: dict[str, dict[str, Any]] = {}
        for o in self.restored:
            entry = plans.setdefault(o.plan or "whole", {"plan": o.plan or "whole", "images": 0})
            entry["images"] += 1
            entry.setdefault("example", f"{o.key} ({o.width}x{o.height})")
        return sorted(plans.values(), key=lambda entry: -entry["images"])[:MAX_LISTED]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": "restore_batch",
            "mode": self.mode,
            "job_id": self.job_id,
            "state": self.state,
            "message": self.message,
            "input": self.input,
            "out": self.out,
            "model": {
                "version": self.model,
                "layer": self.layer,
                "note": self.model_note,
                "domain": self.model_domain,
            },
            "domain_warning": self.domain_warning,
            "provider": self.provider,
            "provider_warnings": self.provider_warnings,
            "precision": self.precision,
            "precision_reason": self.precision_reason,
            "settings": self.settings,
            "tile_limit": self.tile_limit,
            "tile_plans": self._tile_plans(),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "wall_seconds": round(self.wall_seconds, 3),
            "model_load_seconds": round(self.model_load_seconds, 3),
            "counts": counts_json(self.counts()),
            "throughput": {  # per second of work: the wall time less the model's loading
                "images_per_second": round(self._rate(len(self.restored)), 4),
                "megapixels_per_second": round(self._rate(self.megapixels), 4),
                "megapixels": round(self.megapixels, 3),
                "inference_seconds": round(sum(o.seconds for o in self.restored), 3),
            },
            "skipped": [{"file": s.file, "reason": s.reason} for s in self.skipped[:MAX_LISTED]],
            "failed": [{"file": s.file, "reason": s.reason} for s in self.failed[:MAX_LISTED]],
            "failed_by_reason": dict(Counter(s.reason.split(":")[0] for s in self.failed)),
            "tile_changes": [{"file": o.key, "note": n} for o in self.restored for n in o.notes if "memory" in n],
            "notes": [{"file": o.key, "note": n} for o in self.restored for n in o.notes if "memory" not in n][
                :MAX_LISTED
            ],
        }
        if self.references:
            data["reference"] = self._reference_section()
        return data

    def write(self, out: Path) -> tuple[Path, Path]:
        """Write ``restore-summary.json`` and ``restore-summary.txt`` into ``out`` (atomically)."""
        data = self.to_dict()
        json_path, text_path = out / SUMMARY_JSON, out / SUMMARY_TEXT
        write_atomic(json_path, json.dumps(_json_safe(data), indent=2, ensure_ascii=False).encode())
        write_atomic(text_path, render_text(data).encode())
        return json_path, text_path


def counts_json(counts: batch_pb2.BatchCounts) -> dict[str, int]:
    """The JSON form of ``BatchCounts`` the summary file holds: every field, numbers as numbers."""
    data = json_format.MessageToDict(
        counts, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return {name: int(value) for name, value in data.items()}


def read_counts(data: dict[str, Any]) -> batch_pb2.BatchCounts:
    """``BatchCounts`` from a summary's "counts" (fields a newer backend added are ignored)."""
    return json_format.ParseDict(data.get("counts", {}), batch_pb2.BatchCounts(), ignore_unknown_fields=True)


def run_settings(
    options: RestoreOptions, batch_size: int, batch_pixels: int, *, recursive: bool, resume: bool
) -> dict[str, Any]:
    """The settings line of a summary (the same for local and remote runs)."""
    return {
        "tile": "auto" if options.auto_tile else options.tile_side or "whole images",
        "overlap": options.overlap_px,
        "format": options.format,
        "quality": options.quality,
        "batch": batch_size,
        "batch_pixels": batch_pixels,
        "recursive": recursive,
        "resume": resume,
        "self_ensemble": options.self_ensemble,
    }


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _number(value: Any, digits: int, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.{digits}f}{unit}"


def _metrics_line(label: str, psnr: Any, ssim: Any) -> str:
    return f"  {label + ':':<8}PSNR {_number(psnr, 2, ' dB')}, SSIM {_number(ssim, 4)}"


def _subfolders_line(count: int) -> list[str]:
    if not count:
        return []
    return [f"Subfolders: {count} not entered (not recursive; run with --recursive to restore their images)"]


def _trained_for(domain: str) -> str:
    named = {
        "photo": "photos",
        "document": "documents (scans, pages)",
        NOT_STATED: "not stated (trained on a pair folder without --domain)",
    }
    return named.get(domain, "unknown (the card predates domains)")


def render_text(data: dict[str, Any]) -> str:
    """The plain-text summary people read (``restore-summary.txt``)."""
    counts, speed, model, settings = data["counts"], data["throughput"], data["model"], data["settings"]
    lines = [
        "RESTORE SUMMARY",
        "=" * 60,
        f"State:      {data['state'].upper()}" + (f" - {data['message']}" if data["message"] else ""),
        f"Run:        {data['job_id'] or 'remote stream'} ({data['mode']})",
        f"Input:      {data['input']}",
        f"Output:     {data['out']}",
        f"Model:      {model['version']} ({model['layer']})" + (f" - {model['note']}" if model["note"] else ""),
        f"Trained for: {_trained_for(model.get('domain', 'unknown'))}",
    ]
    if data.get("domain_warning"):
        lines.append(f"  WARNING:  {data['domain_warning']}")
    lines.append(f"Provider:   {data['provider'] or 'n/a'}")
    lines += [f"  warning:  {warning}" for warning in data["provider_warnings"]]
    if data.get("precision"):
        lines.append(f"Precision:  {data['precision']} ({data.get('precision_reason') or 'n/a'})")
    lines += [
        "Settings:   " + ", ".join(f"{key} {value}" for key, value in settings.items()),
        *([f"Tiles:      {data['tile_limit']}"] if data.get("tile_limit") else []),
        *[f"  {p['images']} image(s): {p['plan']} (e.g. {p['example']})" for p in data.get("tile_plans", [])],
        f"Started:    {data['started_at']}   Finished: {data['finished_at']}",
        f"Wall time:  {data['wall_seconds']:.1f} s ({data['model_load_seconds']:.1f} s of it loading the model)",
        "",
        f"Images:     {counts['found']} found, {counts['restored']} restored, {counts['skipped']} skipped, "
        f"{counts['failed']} failed",
        *_subfolders_line(counts.get("subfolders_not_entered", 0)),
        f"Speed:      {speed['images_per_second']:.2f} images/s, {speed['megapixels_per_second']:.2f} megapixels/s "
        f"({speed['megapixels']:.1f} megapixels restored)",
    ]
    for title, key in (("Failed", "failed"), ("Skipped", "skipped")):
        items = data[key]
        if items:
            lines += ["", f"{title} ({counts[key]}):"]
            lines += [f"  {item['file']}: {item['reason']}" for item in items]
    if data["tile_changes"]:
        lines += ["", "Out of memory (tile reduced):"]
        lines += [f"  {item['file']}: {item['note']}" for item in data["tile_changes"]]
    if data["notes"]:
        lines += ["", "Notes:"]
        lines += [f"  {item['file']}: {item['note']}" for item in data["notes"]]
    reference = data.get("reference")
    if reference:
        lines += [
            "",
            f"Against the references ({reference['count']} images):",
            _metrics_line("before", reference["psnr_before"], reference["ssim_before"]),
            _metrics_line("after", reference["psnr_after"], reference["ssim_after"]),
            _metrics_line("change", reference["psnr_change"], reference.get("ssim_change")),
        ]
        lines += [f"  not measured: {item['file']}: {item['reason']}" for item in reference["not_measured"]]
    return "\n".join(lines) + "\n"
