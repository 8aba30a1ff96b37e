"""Two model versions side by side: their metrics and card fields, with the change from A to B judged.

A metric's change is ``"good"`` or ``"bad"`` by which way is better for it (PSNR up, loss down); the
degraded-input baselines and card fields have no better side and are only shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from desktop.models.formatting import format_bytes, format_timestamp
from desktop.models.table_rows import Row, Tone
from protos.omni.v1 import models_pb2

HIGHER_IS_BETTER = frozenset({"psnr", "ssim", "improved_fraction", "map50", "map50_95", "precision", "recall"})
LOWER_IS_BETTER = frozenset({"val_loss", "loss", "train_loss"})
METRIC_LABELS = {
    "psnr": "PSNR",
    "ssim": "SSIM",
    "val_loss": "validation loss",
    "improved_fraction": "improved images",
    "input_psnr": "PSNR of the degraded input",
    "input_ssim": "SSIM of the degraded input",
    "map50": "mAP50",
    "map50_95": "mAP50-95",
}
SAME = 1e-12


def card(model: models_pb2.ModelVersion) -> dict[str, Any]:
    """The model card as a dict ({} if it is missing or not JSON)."""
    try:
        value = json.loads(model.card_json) if model.card_json else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def format_metric(name: str, value: float, *, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if name.endswith("psnr"):
        return f"{value:{sign}.2f} dB"
    if name.endswith("fraction"):
        return f"{value * 100:{sign}.1f}%" if signed else f"{value:.0%}"
    if name.endswith(("ssim", "loss")) or name.startswith("map"):
        return f"{value:{sign}.4f}"
    return f"{value:{sign}.4g}"


def verdict(name: str, change: float) -> Tone:
    """``"good"``/``"bad"`` for a change of a metric with a better direction; ``""`` otherwise."""
    if abs(change) <= SAME:
        return ""
    if name in HIGHER_IS_BETTER:
        return "good" if change > 0 else "bad"
    if name in LOWER_IS_BETTER:
        return "good" if change < 0 else "bad"
    return ""


def headers(reply: models_pb2.CompareModelsResponse) -> tuple[str, ...]:
    return ("", f"A: {reply.a.version}", f"B: {reply.b.version}", "Change (B - A)")


def _section(title: str) -> Row:
    return Row(key=f"section:{title}", cells=(title, "", "", ""), tones=("bold",))


def metric_rows(reply: models_pb2.CompareModelsResponse) -> list[Row]:
    rows = []
    for item in reply.metrics:
        a = format_metric(item.name, item.a) if item.HasField("a") else "—"
        b = format_metric(item.name, item.b) if item.HasField("b") else "—"
        changed = item.HasField("change")
        change = format_metric(item.name, item.change, signed=True) if changed else ""
        tone: Tone = verdict(item.name, item.change) if changed else ""
        rows.append(
            Row(
                key=f"metric:{item.name}",
                cells=(METRIC_LABELS.get(item.name, item.name), a, b, change),
                tones=("", "", "", tone),
            )
        )
    return rows


def _number_row(key: str, label: str, a: float, b: float, shown: Callable[[float], str]) -> Row:
    change = b - a
    sign = "+" if change > 0 else "-" if change < 0 else "±"
    return Row(key=f"card:{key}", cells=(label, shown(a), shown(b), f"{sign}{shown(abs(change))}"))


def _text_row(key: str, label: str, a: str, b: str) -> Row:
    same = a == b
    value: Tone = "mono" if key == "fingerprint" else ""
    return Row(
        key=f"card:{key}",
        cells=(label, a or "—", b or "—", "same" if same else "differs"),
        tones=("", value, value, "muted" if same else ""),
    )


def card_rows(reply: models_pb2.CompareModelsResponse) -> list[Row]:
    a, b = reply.a, reply.b
    card_a, card_b = card(a), card(b)
    return [
        _text_row("architecture", "architecture", a.architecture, b.architecture),
        _text_row("preset", "preset", str(card_a.get("preset", "")), str(card_b.get("preset", ""))),
        _number_row("parameters", "parameters", a.parameters, b.parameters, lambda v: f"{int(v):,}"),
        _number_row("size", "size", a.size_bytes, b.size_bytes, lambda v: format_bytes(int(v))),
        _text_row("epochs", "epochs", str(card_a.get("epochs", "")), str(card_b.get("epochs", ""))),
        _text_row(
            "fingerprint",
            "training data",
            str(card_a.get("data_fingerprint", "")),
            str(card_b.get("data_fingerprint", "")),
        ),
        _text_row("parent", "parent version", a.parent_version, b.parent_version),
        _text_row("created", "created", format_timestamp(a.created_at), format_timestamp(b.created_at)),
        _text_row("job", "training job", a.job_id, b.job_id),
    ]


def compare_rows(reply: models_pb2.CompareModelsResponse) -> list[Row]:
    """Metrics, then card fields, each under a section row."""
    return [_section("Metrics"), *metric_rows(reply), _section("Model card"), *card_rows(reply)]
