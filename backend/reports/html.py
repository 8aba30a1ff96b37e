"""The HTML report: the same sections as the text, self-contained, with the curves embedded."""

from __future__ import annotations

import base64
import html
from typing import Any

from backend.reports.clean_data import clean_data_rows, is_clean_run
from backend.reports.plots import curves_png
from backend.reports.real_images import before_after_html, real_image_rows
from backend.reports.text import duration, fine_tuned_from, registered_epoch, size

STYLE = """
body{font:14px/1.45 -apple-system,'Segoe UI',Roboto,sans-serif;margin:24px auto;max-width:980px;color:#1d2430}
h1{font-size:22px;margin-bottom:4px}
h2{font-size:16px;margin-top:28px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:4px 10px;border-bottom:1px solid #eef1f5;text-align:left}
th{color:#5b6576;font-weight:600}.state{display:inline-block;padding:2px 10px;border-radius:10px;color:#fff}
.succeeded{background:#2e8b57}.failed{background:#c0392b}.cancelled{background:#7f8c8d}.interrupted{background:#d68910}
.plots img{max-width:100%;margin:6px 0}.mono{font-family:ui-monospace,Menlo,monospace;font-size:12.5px}
.err{color:#c0392b}ul{padding-left:20px}
"""


def _lineage_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """Where the registered weights come from: the version fine-tuned, and the epoch when it is not the last."""
    rows: list[tuple[str, str]] = []
    if start := fine_tuned_from(report):
        rows.append(("fine-tuned from", start))
    if (found := registered_epoch(report)) is not None:
        epoch, last = found
        rows.append(("registered epoch", f"{epoch} of {last['epoch']} (the best on validation)"))
    return rows


def _table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def render_restoration_html(report: dict[str, Any]) -> str:
    job, params, data = report.get("job", {}), report.get("parameters", {}), report.get("data", {})
    model, env = report.get("model") or {}, report.get("environment", {})
    state = str(report.get("state", ""))
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(str(job.get('id')))}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(report.get('title', 'Training report'))}</h1>",
        f"<p class='mono'>{html.escape(str(job.get('id')))} &middot; {duration(job.get('duration_seconds', 0))} "
        f"&middot; <span class='state {html.escape(state)}'>{html.escape(state)}</span></p>",
    ]
    if report.get("error"):
        parts.append(f"<p class='err'>{html.escape(report['error'])}</p>")
    parts += ["<h2>Parameters</h2>", _table(sorted(params.items()))]
    parts += [
        "<h2>Data</h2>",
        _table(
            clean_data_rows(data)
            if is_clean_run(data)
            else [
                ("files processed", data.get("files_seen", 0)),
                ("valid pairs", data.get("valid_pairs", 0)),
                ("clean / degraded files", f"{data.get('clean_files', 0)} / {data.get('degraded_files', 0)}"),
                ("train / validation pairs", f"{data.get('train_pairs', 0)} / {data.get('val_pairs', 0)}"),
                ("rejected", data.get("rejected", 0)),
                *[(f"rejected: {k}", v) for k, v in (data.get("rejected_by_reason") or {}).items()],
            ]
        ),
    ]
    plots = curves_png(report)
    if plots:
        images = "".join(
            f"<img alt='{name}' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
            for name, png in plots.items()
        )
        parts += ["<h2>Curves</h2>", f"<div class='plots'>{images}</div>"]
    epochs = report.get("epochs", [])
    if epochs:
        columns = ("epoch", "train loss", "val loss", "PSNR", "SSIM", "improved", "img/s")
        header = "<tr>" + "".join(f"<th>{name}</th>" for name in columns) + "</tr>"
        rows = "".join(
            f"<tr><td>{e['epoch']}</td><td>{e['train_loss']:.4f}</td><td>{e['val_loss']:.4f}</td><td>{e['psnr']:.2f}</td>"
            f"<td>{e['ssim']:.4f}</td><td>{e['improved_fraction']:.0%}</td><td>{e['images_per_second']:.1f}</td></tr>"
            for e in epochs
        )
        parts += ["<h2>Metrics per epoch</h2>", f"<table>{header}{rows}</table>"]
    improvement = report.get("improvement") or {}
    if improvement:
        parts += [
            "<h2>Total improvement</h2>",
            _table(
                [
                    ("PSNR change over training", f"{improvement.get('psnr_change', 0):+.2f} dB"),
                    ("PSNR vs degraded input", f"{improvement.get('psnr_vs_input', 0):+.2f} dB"),
                    ("SSIM change over training", f"{improvement.get('ssim_change', 0):+.4f}"),
                    ("SSIM vs degraded input", f"{improvement.get('ssim_vs_input', 0):+.4f}"),
                    ("loss change", f"{improvement.get('loss_change_pct', 0):+.1f}%"),
                ]
            ),
        ]
    real = report.get("real_images") or {}
    if real:
        header = "<tr><th>domain</th><th>method</th><th>PSNR</th><th>SSIM</th></tr>"
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in real_image_rows(real)
        )
        parts += [
            "<h2>Real images (held out)</h2>",
            f"<p>{html.escape(str(real.get('description', '')))}</p>",
            f"<table>{header}{body}</table>",
        ]
        if real.get("error"):
            parts.append(f"<p class='err'>Not scored: {html.escape(str(real['error']))}</p>")
        parts.append(before_after_html(real))
    parts.append("<h2>Model</h2>")
    if model.get("version"):
        parts.append(
            _table(
                [
                    ("version", model["version"]),
                    *_lineage_rows(report),
                    ("architecture", f"{model.get('architecture')} ({model.get('preset')})"),
                    ("parameters", f"{model.get('parameters', 0):,}"),
                    ("weights", f"{model.get('weights_key')} ({size(model.get('weights_bytes', 0))})"),
                    ("ONNX", f"{model.get('onnx_key')} ({size(model.get('onnx_bytes', 0))})"),
                    ("ONNX max abs diff", f"{model.get('onnx_max_abs_diff', float('nan')):.2e}"),
                ]
            )
        )
    else:
        parts.append("<p>No model was registered (the run did not finish).</p>")
    comparison = report.get("comparison")
    parts.append("<h2>Comparison with the previous model</h2>")
    if comparison:
        parts.append(
            _table(
                [
                    ("previous version", comparison["previous_version"]),
                    ("PSNR change", f"{comparison['psnr_change']:+.2f} dB"),
                    ("SSIM change", f"{comparison['ssim_change']:+.4f}"),
                ]
            )
        )
    else:
        parts.append("<p>None: this is the first model of this layer.</p>")
    parts += ["<h2>Environment</h2>", _table(sorted(env.items()))]
    items = "".join(f"<li>{html.escape(item)}</li>" for item in report.get("recommendations", []))
    parts += ["<h2>Recommendations</h2>", f"<ul>{items or '<li>none</li>'}</ul>", "</body></html>"]
    return "".join(parts)
