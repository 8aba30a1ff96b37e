"""The real-image section of a restoration report (``report["real_images"]``, made by
``backend.restoration.real_eval``): a table per domain of PSNR/SSIM for the degraded input, the classical
baselines and the model, for the text and HTML renderings, and the recommendation when the model does worse
than its input."""

from __future__ import annotations

import html
from typing import Any

LABELS = {"input": "degraded input", "nlm": "OpenCV non-local means", "bm3d": "BM3D", "model": "this model"}


def real_image_rows(section: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(domain, method, PSNR, SSIM) rows, domains in the section's order, methods in its order."""
    rows = []
    for domain, summary in section.get("domains", {}).items():
        for method in section.get("methods", []):
            if method in summary:
                label = f"{LABELS.get(method, method)}"
                rows.append(
                    (
                        f"{domain} ({summary.get('count', 0)} crops)",
                        label,
                        f"{summary[method]['psnr']:.2f} dB",
                        f"{summary[method]['ssim']:.4f}",
                    )
                )
    return rows


def real_image_lines(section: dict[str, Any]) -> list[str]:
    if not section:
        return []
    lines = ["", "REAL IMAGES (HELD OUT)", str(section.get("description", ""))]
    lines += [f"{domain:<22} {method:<24} PSNR={p:>9}  SSIM={s}" for domain, method, p, s in real_image_rows(section)]
    if section.get("error"):
        lines.append(f"Not scored: {section['error']}")
    if section.get("before_after"):
        sheet = section["before_after"]
        lines.append(
            f"Before/after images of the {sheet['domain']} crops ({len(sheet['rows'])} rows: "
            f"{' | '.join(sheet['columns'])}): in the HTML report."
        )
    return lines


def before_after_html(section: dict[str, Any]) -> str:
    """The before/after sheet as an embedded image with its caption ("" when the section has none)."""
    sheet = section.get("before_after")
    if not sheet:
        return ""
    rows = ", ".join(html.escape(row) for row in sheet["rows"])
    return (
        f"<h3>Before and after: real {html.escape(sheet['domain'])} crops</h3>"
        f"<p>Columns: {html.escape(' | '.join(sheet['columns']))}. Rows: {rows}.</p>"
        f"<img alt='before and after' src='data:image/png;base64,{sheet['png_base64']}'>"
    )


def real_image_advice(section: dict[str, Any]) -> list[str]:
    """One line per domain where the model's mean PSNR on the real crops is below the degraded input's."""
    advice = []
    for domain, summary in (section or {}).get("domains", {}).items():
        change = summary.get("model_vs_input")
        if change is None or change >= 0:
            continue
        if domain == "document" and section.get("whiten_paper"):
            advice.append(
                f"On real document validation images the output is {change:+.2f} dB from the scans: this model whitens "
                "the paper (as trained), which PSNR against the scan's own tone counts as error; judge it by its "
                "before/after images, not by this figure."
            )
            continue
        advice.append(
            f"On real {domain} validation images this model is worse than its input ({change:+.2f} dB on average; "
            f"worse on {summary.get('model_worse_than_input', 0)} of {summary.get('count', 0)} crops): do not use it "
            f"on real {domain}s; train on your own clean images (`omni train restoration --clean DIR "
            f"--domain {domain}`) or keep the input."
        )
    return advice


def _trained_for(result: dict[str, Any]) -> str:
    model = result.get("model", {})
    run = ", run with self-ensemble (8 flips and turns averaged)" if model.get("self_ensemble") else ""
    return f"{model.get('version')} ({model.get('layer')}), trained for: {model.get('domain', 'unknown')}{run}"


def render_evaluation_text(result: dict[str, Any]) -> str:
    """``omni eval --model``'s report as text: the model, the real-image table, the recommendations."""
    lines = ["REAL-IMAGE EVALUATION", "=" * 60, f"Model: {_trained_for(result)}"]
    lines += real_image_lines(result.get("real_images") or {})
    lines += ["", "RECOMMENDATIONS"]
    lines += [f"- {line}" for line in result.get("recommendations", [])] or ["- none"]
    return "\n".join(lines) + "\n"


def render_evaluation_html(result: dict[str, Any]) -> str:
    section = result.get("real_images") or {}
    header = "<tr><th>domain</th><th>method</th><th>PSNR</th><th>SSIM</th></tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in real_image_rows(section)
    )
    advice = "".join(f"<li>{html.escape(line)}</li>" for line in result.get("recommendations", []))
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Real-image evaluation</title></head><body>"
        f"<h1>Real-image evaluation</h1><p>{html.escape(_trained_for(result))}</p>"
        f"<p>{html.escape(str(section.get('description', '')))}</p><table>{header}{body}</table>"
        f"{before_after_html(section)}"
        f"<h2>Recommendations</h2><ul>{advice or '<li>none</li>'}</ul></body></html>"
    )
