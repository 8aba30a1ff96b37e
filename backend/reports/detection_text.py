"""The plain-text detection training report: the restoration report's layout, with per-class AP and the
confusion matrix added."""

from __future__ import annotations

import math
from typing import Any

from backend.reports.text import closing_lines, header_lines, size


def _num(value: Any, digits: int = 3) -> str:
    if isinstance(value, int | float) and math.isfinite(value):
        return f"{value:.{digits}f}"
    return "-"


def _signed(value: Any, digits: int = 3) -> str:
    if isinstance(value, int | float) and math.isfinite(value):
        return f"{value:+.{digits}f}"
    return "-"


def _data_lines(data: dict[str, Any]) -> list[str]:
    lines = [f"Source: {data.get('source', '-')}", f"Classes: {', '.join(data.get('classes', [])) or '-'}"]
    for name, split in (data.get("splits") or {}).items():
        lines.append(
            f"{name.capitalize()}: {split.get('images', 0)} images, {split.get('label_files', 0)} label files "
            f"({split.get('empty_label_files', 0)} empty), {split.get('instances', 0)} objects"
        )
        counts = split.get("instances_by_class") or {}
        if counts:
            lines.append("  " + "  ".join(f"{cls}={count}" for cls, count in counts.items()))
    if data.get("bad_label_lines"):
        lines.append(f"Label lines skipped: {data['bad_label_lines']}")
    lines += [f"  {warning}" for warning in (data.get("warnings") or [])[:5]]
    return lines


def _epoch_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    if report.get("resumed_from"):
        lines.append(f"Resumed from job {report['resumed_from']} after epoch {report.get('resumed_at_epoch', '?')}")
    for e in report.get("epochs", []):
        lines.append(
            f"Epoch {e['epoch']}: box={_num(e.get('train_box_loss'), 4)}, cls={_num(e.get('train_cls_loss'), 4)}, "
            f"dfl={_num(e.get('train_dfl_loss'), 4)}, P={_num(e.get('precision'))}, R={_num(e.get('recall'))}, "
            f"mAP50={_num(e.get('map50'))}, mAP50-95={_num(e.get('map50_95'))}"
            + (f", {e['seconds']:.1f} s" if e.get("seconds") else "")
        )
    return lines or ["No epoch completed."]


def _per_class_lines(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["No per-class results (the run did not reach its final validation)."]
    width = max(5, *(len(str(r["class"])) for r in rows))
    lines = [f"{'Class':<{width}}  {'Images':>6}  {'Objects':>7}  {'P':>6}  {'R':>6}  {'AP50':>6}  {'AP50-95':>7}"]
    for r in rows:
        lines.append(
            f"{r['class']:<{width}}  {r['images']:>6}  {r['instances']:>7}  {_num(r['precision']):>6}  "
            f"{_num(r['recall']):>6}  {_num(r['ap50']):>6}  {_num(r['ap50_95']):>7}"
        )
    return lines


def _confusion_lines(confusion: dict[str, Any] | None) -> list[str]:
    if not confusion:
        return ["Not available (the run did not reach its final validation)."]
    labels = [str(label) for label in confusion["labels"]]
    width = max(10, *(len(label) for label in labels))
    lines = [f"({confusion.get('axes', 'rows: predicted, columns: true')})"]
    lines.append(" " * width + "  " + "  ".join(f"{label[:8]:>8}" for label in labels))
    for label, row in zip(labels, confusion["matrix"], strict=False):
        lines.append(f"{label:<{width}}  " + "  ".join(f"{value:>8g}" for value in row))
    return lines


def _model_lines(model: dict[str, Any], report: dict[str, Any]) -> list[str]:
    if not model.get("version"):
        return ["No model was registered (the run did not finish)."]
    return [
        f"Model saved: {model.get('weights_key')}  Size: {size(model.get('weights_bytes', 0))}  "
        f"Parameters: ~{model.get('parameters', 0):,}",
        f"Version: {model['version']}  Architecture: {model.get('architecture')}  Image size: {model.get('imgsz')}",
        f"ONNX: {model.get('onnx_key')}  Size: {size(model.get('onnx_bytes', 0))}  Max abs diff vs PyTorch: "
        f"{_num(model.get('onnx_max_abs_diff_boxes'), 4)} px (boxes), {_num(model.get('onnx_max_abs_diff_scores'), 6)}"
        " (scores)",
        f"Classes: {', '.join(model.get('classes', []))}  Inference provider: {report.get('inference_provider', '-')}",
    ]


def render_detection_text(report: dict[str, Any]) -> str:
    params, data = report.get("parameters", {}), report.get("data", {})
    model = report.get("model") or {}
    lines = header_lines(report, "DETECTOR")
    overrides = ", ".join(params.get("augment") or []) or "none"
    lines += [
        "",
        "PARAMETERS",
        f"Model: {params.get('model')}  Epochs: {params.get('epochs')}  Image size: {params.get('imgsz')}  "
        f"Batch: {params.get('batch')}  Device: {params.get('device')}  Seed: {params.get('seed')}",
        f"Augmentation preset: {params.get('preset')}  Overrides: {overrides}",
        f"Data: {params.get('dataset') or params.get('data')}",
        "",
        "DATA",
        *_data_lines(data),
        "",
        "METRICS PER EPOCH",
        *_epoch_lines(report),
    ]
    improvement = report.get("improvement") or {}
    if improvement:
        lines += ["", "TOTAL IMPROVEMENT"]
        for name, label in (("map50", "mAP50"), ("map50_95", "mAP50-95"), ("train_box_loss", "Box loss")):
            if f"{name}_first" in improvement:
                lines.append(
                    f"{label}: {_num(improvement[f'{name}_first'], 4)} -> {_num(improvement[f'{name}_last'], 4)} "
                    f"({_signed(improvement[f'{name}_change'], 4)})"
                )
    final = report.get("final") or {}
    if final:
        lines += [
            "",
            "FINAL VALIDATION (best.pt)",
            f"Precision: {_num(final.get('precision'))}  Recall: {_num(final.get('recall'))}  "
            f"mAP50: {_num(final.get('map50'))}  mAP50-95: {_num(final.get('map50_95'))}",
        ]
    lines += ["", "PER-CLASS AP", *_per_class_lines(report.get("per_class") or [])]
    lines += ["", "CONFUSION MATRIX", *_confusion_lines(report.get("confusion_matrix"))]
    lines += ["", "MODEL", *_model_lines(model, report)]
    comparison = report.get("comparison")
    lines += ["", "COMPARISON WITH THE PREVIOUS MODEL"]
    if comparison:
        lines.append(
            f"Previous model: {comparison['previous_version']}  "
            f"mAP50 change: {_signed(comparison.get('map50_change'))}  "
            f"mAP50-95 change: {_signed(comparison.get('map50_95_change'))}"
        )
    else:
        lines.append("Previous model: none (first detector)")
    lines += closing_lines(report, f"Ultralytics {report.get('environment', {}).get('ultralytics', '-')}")
    return "\n".join(lines) + "\n"
