"""The HTML detection training report: the text report's sections, self-contained, with the curves, the
confusion matrix and validation examples (true boxes green, predictions in their class colour) embedded."""

from __future__ import annotations

import base64
import html
import math
from typing import Any

from backend.reports.detection_plots import confusion_png, detection_curves_png
from backend.reports.html import STYLE, _table
from backend.reports.text import duration, size

EXTRA_STYLE = ".samples img{max-width:46%;margin:4px;border:1px solid #dde2ea}.num{text-align:right}"


def _num(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) and math.isfinite(value) else "-"


def _png_tag(name: str, png: bytes) -> str:
    return f"<img alt='{html.escape(name)}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"


def _rows_table(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    header = "<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table>{header}{body}</table>"


def _data_section(data: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, Any]] = [("source", data.get("source", "-")), ("classes", ", ".join(data.get("classes", [])))]
    for name, split in (data.get("splits") or {}).items():
        rows.append(
            (
                name,
                f"{split.get('images', 0)} images, {split.get('label_files', 0)} label files "
                f"({split.get('empty_label_files', 0)} empty), {split.get('instances', 0)} objects",
            )
        )
    if data.get("bad_label_lines"):
        rows.append(("label lines skipped", data["bad_label_lines"]))
    return ["<h2>Data</h2>", _table(rows)]


def _epochs_section(epochs: list[dict[str, Any]]) -> list[str]:
    if not epochs:
        return []
    columns = ("epoch", "box", "cls", "dfl", "P", "R", "mAP50", "mAP50-95", "s")
    rows = [
        (
            e["epoch"],
            _num(e.get("train_box_loss"), 4),
            _num(e.get("train_cls_loss"), 4),
            _num(e.get("train_dfl_loss"), 4),
            _num(e.get("precision")),
            _num(e.get("recall")),
            _num(e.get("map50")),
            _num(e.get("map50_95")),
            _num(e.get("seconds"), 1),
        )
        for e in epochs
    ]
    return ["<h2>Metrics per epoch</h2>", _rows_table(columns, rows)]


def _class_section(report: dict[str, Any]) -> list[str]:
    parts = ["<h2>Per-class AP</h2>"]
    rows = report.get("per_class") or []
    if rows:
        columns = ("class", "images", "objects", "P", "R", "AP50", "AP50-95")
        parts.append(
            _rows_table(
                columns,
                [
                    (
                        r["class"],
                        r["images"],
                        r["instances"],
                        _num(r["precision"]),
                        _num(r["recall"]),
                        _num(r["ap50"]),
                        _num(r["ap50_95"]),
                    )
                    for r in rows
                ],
            )
        )
    else:
        parts.append("<p>No per-class results (the run did not reach its final validation).</p>")
    parts.append("<h2>Confusion matrix</h2>")
    png = confusion_png(report.get("confusion_matrix"))
    parts.append(f"<div class='plots'>{_png_tag('confusion matrix', png)}</div>" if png else "<p>Not available.</p>")
    return parts


def _samples_section(samples: list[dict[str, Any]]) -> list[str]:
    if not samples:
        return []
    images = "".join(
        f"<img alt='{html.escape(s['image'])}' title='{html.escape(s['image'])}: {s['true_boxes']} true, "
        f"{s['predicted_boxes']} predicted' src='data:image/jpeg;base64,{s['jpeg_base64']}'>"
        for s in samples
    )
    return [
        "<h2>Validation examples</h2>",
        "<p>True boxes in green, predictions (ONNX export) in their class colour with confidence.</p>",
        f"<div class='samples'>{images}</div>",
    ]


def _model_section(model: dict[str, Any], report: dict[str, Any]) -> list[str]:
    if not model.get("version"):
        return ["<h2>Model</h2>", "<p>No model was registered (the run did not finish).</p>"]
    rows = [
        ("version", model["version"]),
        ("architecture", model.get("architecture")),
        ("parameters", f"{model.get('parameters', 0):,}"),
        ("image size", model.get("imgsz")),
        ("classes", ", ".join(model.get("classes", []))),
        ("weights", f"{model.get('weights_key')} ({size(model.get('weights_bytes', 0))})"),
        ("ONNX", f"{model.get('onnx_key')} ({size(model.get('onnx_bytes', 0))})"),
        (
            "ONNX max abs diff",
            f"{_num(model.get('onnx_max_abs_diff_boxes'), 4)} px boxes, "
            f"{_num(model.get('onnx_max_abs_diff_scores'), 6)} scores",
        ),
        ("inference provider", report.get("inference_provider", "-")),
    ]
    return ["<h2>Model</h2>", _table(rows)]


def render_detection_html(report: dict[str, Any]) -> str:
    job, params = report.get("job", {}), report.get("parameters", {})
    state = str(report.get("state", ""))
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(str(job.get('id')))}</title>",
        f"<style>{STYLE}{EXTRA_STYLE}</style></head><body>",
        f"<h1>{html.escape(report.get('title', 'Training report: detector'))}</h1>",
        f"<p class='mono'>{html.escape(str(job.get('id')))} &middot; {duration(job.get('duration_seconds', 0))} "
        f"&middot; <span class='state {html.escape(state)}'>{html.escape(state)}</span></p>",
    ]
    if report.get("error"):
        parts.append(f"<p class='err'>{html.escape(report['error'])}</p>")
    shown = {k: ", ".join(str(x) for x in v) if isinstance(v, list) else v for k, v in params.items()}
    parts += ["<h2>Parameters</h2>", _table(sorted(shown.items()))]
    parts += _data_section(report.get("data") or {})
    plots = detection_curves_png(report)
    if plots:
        parts += [
            "<h2>Curves</h2>",
            "<div class='plots'>" + "".join(_png_tag(n, p) for n, p in plots.items()) + "</div>",
        ]
    parts += _epochs_section(report.get("epochs") or [])
    final = report.get("final") or {}
    if final:
        parts += [
            "<h2>Final validation (best.pt)</h2>",
            _table(
                [
                    (name, _num(final.get(key)))
                    for key, name in (
                        ("precision", "precision"),
                        ("recall", "recall"),
                        ("map50", "mAP50"),
                        ("map50_95", "mAP50-95"),
                    )
                ]
            ),
        ]
    parts += _class_section(report)
    parts += _samples_section(report.get("samples") or [])
    parts += _model_section(report.get("model") or {}, report)
    comparison = report.get("comparison")
    parts.append("<h2>Comparison with the previous model</h2>")
    if comparison:
        parts.append(
            _table(
                [
                    ("previous version", comparison["previous_version"]),
                    ("mAP50 change", _num(comparison.get("map50_change"))),
                    ("mAP50-95 change", _num(comparison.get("map50_95_change"))),
                    ("precision change", _num(comparison.get("precision_change"))),
                    ("recall change", _num(comparison.get("recall_change"))),
                ]
            )
        )
    else:
        parts.append("<p>None: this is the first detector.</p>")
    parts += ["<h2>Environment</h2>", _table(sorted((report.get("environment") or {}).items()))]
    items = "".join(f"<li>{html.escape(item)}</li>" for item in report.get("recommendations", []))
    parts += ["<h2>Recommendations</h2>", f"<ul>{items or '<li>none</li>'}</ul>", "</body></html>"]
    return "".join(parts)
