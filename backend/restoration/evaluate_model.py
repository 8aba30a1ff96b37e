"""``omni eval --model VERSION``: a registered restoration model, run by ONNX Runtime as ``omni restore`` runs
it, scored on the real-image set next to the degraded input and the classical baselines.

The result is a small report: JSON (the source of truth), text and HTML, stored under ``evaluation/``, with
the recommendation when the model does worse than its input on real images."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from backend.batch.models import onnx_file, resolve_model
from backend.inference.engine import EngineOptions, open_engine
from backend.inference.ensemble import self_ensemble
from backend.jobs.context import JobContext
from backend.registry.shared import registry_at
from backend.reports.real_images import real_image_advice, render_evaluation_html, render_evaluation_text
from backend.reports.store import json_safe
from backend.restoration.before_after import before_after
from backend.restoration.evaluation_result import model_evaluation
from backend.restoration.params import EvaluateParams
from backend.restoration.real_eval import BatchRestorer, evaluate_real
from omni_core.batch.domain_check import model_domain


def _onnx_restorer(path: Any, ensembled: bool = False) -> BatchRestorer:
    engine = open_engine(path, EngineOptions(require_provider="CPUExecutionProvider"))

    def restore(images: np.ndarray) -> np.ndarray:
        source = images.transpose(0, 3, 1, 2).astype(np.float32) / 255.0
        output = self_ensemble(engine.run, source) if ensembled else engine.run(source)
        return (np.clip(output, 0.0, 1.0).transpose(0, 2, 3, 1) * 255.0 + 0.5).astype(np.uint8)

    return restore


def evaluate_model_on_real_images(params: EvaluateParams, ctx: JobContext) -> dict[str, Any]:
    chosen = resolve_model(registry_at(ctx.workspace_root), params.model, 0)
    version = chosen.model.version
    ctx.progress(0, 0, unit="", message=f"scoring {version} on real images")
    restore = _onnx_restorer(onnx_file(ctx.store, chosen, ctx.scratch_dir), params.self_ensemble)
    baselines = ("nlm", "bm3d") if params.bm3d else ("nlm",)
    section = evaluate_real(restore, baselines=baselines, check=ctx.check_cancelled)
    if chosen.model.card.get("whiten_paper"):  # its PSNR on scans counts the whitened paper as error: show it
        section.update(whiten_paper=True, before_after=before_after(restore, "document"))
    result: dict[str, Any] = {
        "kind": "evaluate_real",
        "model": {
            "version": version,
            "layer": chosen.model.layer,
            "domain": model_domain(chosen.model.card),
            "self_ensemble": params.self_ensemble,
        },
        "real_images": section,
    }
    result["recommendations"] = real_image_advice(section)
    for line in result["recommendations"]:
        ctx.log(line, level="warning")
    base = f"evaluation/{ctx.job_id}"
    renderings = {
        "json": json.dumps(json_safe(result), indent=2, allow_nan=False),
        "txt": render_evaluation_text(result),
        "html": render_evaluation_html(result),
    }
    for suffix, text in renderings.items():
        info = ctx.store.put_bytes(f"{base}.{suffix}", text.encode())
        ctx.artifact(
            f"{base}.{suffix}", "evaluation", size_bytes=info.size, sha256=info.sha256, description="real images"
        )
    ctx.set_output("result", f"{base}.json")
    ctx.set_output("result_text", f"{base}.txt")
    ctx.set_output("result_html", f"{base}.html")
    ctx.evaluation(model_evaluation(result, base))
    for domain, summary in section["domains"].items():
        ctx.metric(f"real/{domain}/psnr", summary["model"]["psnr"])
        ctx.metric(f"real/{domain}/psnr_vs_input", summary["model_vs_input"])
    return {domain: f"{summary['model_vs_input']:+.2f} dB vs input" for domain, summary in section["domains"].items()}
