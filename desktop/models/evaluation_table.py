"""An evaluate job's typed result (``EvaluationResult``) as table rows and as plain text: the desktop's
evaluation panel and ``omni eval`` show the same figures, with the same mark where a model is worse than
the degraded input it was given."""

from __future__ import annotations

import math

from desktop.models.table_rows import Row, Tone
from protos.omni.v1 import training_pb2

MODEL_COLUMNS = ("Domain", "Method", "PSNR", "SSIM", "vs input")
FOLDER_COLUMNS = ("Image", "PSNR", "SSIM")
METHOD_NAMES = {"input": "degraded input", "nlm": "NLM (OpenCV)", "bm3d": "BM3D", "model": "model"}
WORSE_MARK = "▼ worse than its input"


def method_name(method: str) -> str:
    return METHOD_NAMES.get(method, method)


def psnr_text(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.2f} dB"


def _input_psnr(domain: training_pb2.DomainEvaluation) -> float | None:
    return next((score.psnr for score in domain.methods if score.method == "input"), None)


def _worse_cases(domain: training_pb2.DomainEvaluation) -> str:
    if not domain.cases_worse_than_input:
        return ""
    return f" ({domain.cases_worse_than_input} of {domain.count} crops)"


def domain_rows(domain: training_pb2.DomainEvaluation) -> list[Row]:
    """One row per method on ``domain``; the model's says by how much it beats (or loses to) the input."""
    rows = []
    base = _input_psnr(domain)
    for score in domain.methods:
        change = "" if base is None or score.method == "input" else f"{score.psnr - base:+.2f} dB"
        tone: Tone = ""
        tooltips: dict[int, str] = {}
        if score.method == "model":
            tone = "bad" if domain.worse_than_input else "good"
            if domain.worse_than_input:
                change = f"{change}  {WORSE_MARK}"
                tooltips[4] = f"the model's mean PSNR is below the degraded input's{_worse_cases(domain)}"
        rows.append(
            Row(
                key=f"{domain.domain}/{score.method}",
                cells=(domain.domain, method_name(score.method), psnr_text(score.psnr), f"{score.ssim:.4f}", change),
                tones=("bold" if score.method == "model" else "", "", tone, "", tone),
                tooltips=tooltips,
            )
        )
    return rows


def model_rows(evaluation: training_pb2.ModelEvaluation) -> list[Row]:
    return [row for domain in evaluation.domains for row in domain_rows(domain)]


def folder_rows(evaluation: training_pb2.FolderEvaluation) -> list[Row]:
    rows = [
        Row(key=image.name, cells=(image.name, psnr_text(image.psnr), f"{image.ssim:.4f}"), tones=("mono", "", ""))
        for image in evaluation.images
    ]
    mean = Row(
        key="",
        cells=(f"mean of {evaluation.count}", psnr_text(evaluation.mean_psnr), f"{evaluation.mean_ssim:.4f}"),
        tones=("bold", "bold", "bold"),
    )
    return [*rows, mean]


def verdicts(evaluation: training_pb2.ModelEvaluation) -> list[str]:
    """One line per domain: the model against its input, and whether it is worse."""
    lines = []
    for domain in evaluation.domains:
        verdict = f"{WORSE_MARK}{_worse_cases(domain)}" if domain.worse_than_input else "better than its input"
        lines.append(f"{domain.domain}: model {domain.model_vs_input_db:+.2f} dB vs input, {verdict}")
    return lines


def summary_line(result: training_pb2.EvaluationResult) -> str:
    """The result in one line, for a job's event log."""
    if result.WhichOneof("result") == "folders":
        folders = result.folders
        return f"result: {folders.count} images, mean PSNR {psnr_text(folders.mean_psnr)}, SSIM {folders.mean_ssim:.4f}"
    domains = ", ".join(
        f"{d.domain} {d.model_vs_input_db:+.2f} dB vs input{' (worse)' if d.worse_than_input else ''}"
        for d in result.model.domains
    )
    return f"result: {result.model.version}: {domains}"


def table_text(columns: tuple[str, ...], rows: list[Row]) -> str:
    """``rows`` as aligned plain-text columns (the CLI's rendering of the same table)."""
    widths = [max(len(columns[i]), *(len(row.cells[i]) for row in rows)) for i in range(len(columns))]
    lines = ["  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row.cells, widths, strict=True)).rstrip())
    return "\n".join(lines)


def result_text(result: training_pb2.EvaluationResult) -> str:
    """The whole result as text: the table, then the verdicts and advice (model) or the skipped files."""
    if result.WhichOneof("result") == "folders":
        folders = result.folders
        lines = [table_text(FOLDER_COLUMNS, folder_rows(folders))]
        lines += [f"skipped {item.file}: {item.reason}" for item in folders.skipped]
        return "\n".join(lines) + "\n"
    model = result.model
    trained_for = f", trained for {model.domain}" if model.domain else ""
    run = ", run with self-ensemble" if model.self_ensemble else ""
    lines = [f"{model.version} ({model.layer}{trained_for}) on real images{run}", model.description, ""]
    lines += [table_text(MODEL_COLUMNS, model_rows(model)), "", *verdicts(model)]
    lines += [f"recommendation: {line}" for line in model.recommendations]
    if model.report_html:
        lines.append(f"report: {model.report_html} (also {model.report_text}, {model.report_json})")
    return "\n".join(lines) + "\n"
