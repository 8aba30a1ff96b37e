"""An evaluate job's result as the contract's typed ``EvaluationResult``, built from the same dicts its JSON
file holds, so clients read fields rather than parse files or log lines."""

from __future__ import annotations

from typing import Any

from backend.restoration.real_eval import worse_domains
from protos.omni.v1 import training_pb2


def model_evaluation(result: dict[str, Any], base: str) -> training_pb2.EvaluationResult:
    """``result`` as ``evaluate_model_on_real_images`` writes it; ``base`` the key of its files less the suffix."""
    section = result["real_images"]
    worse = set(worse_domains(section))
    domains = []
    for domain, summary in section["domains"].items():
        domains.append(
            training_pb2.DomainEvaluation(
                domain=domain,
                count=int(summary["count"]),
                methods=[
                    training_pb2.MethodScore(method=method, psnr=summary[method]["psnr"], ssim=summary[method]["ssim"])
                    for method in section["methods"]
                    if method in summary
                ],
                model_vs_input_db=float(summary.get("model_vs_input", 0.0)),
                cases_worse_than_input=int(summary.get("model_worse_than_input", 0)),
                worse_than_input=domain in worse,
            )
        )
    model = result["model"]
    evaluation = training_pb2.ModelEvaluation(
        version=model["version"],
        layer=model.get("layer") or "",
        domain=model.get("domain") or "",
        description=section.get("description", ""),
        domains=domains,
        recommendations=result.get("recommendations", []),
        report_html=f"{base}.html",
        report_text=f"{base}.txt",
        report_json=f"{base}.json",
        self_ensemble=bool(model.get("self_ensemble", False)),
    )
    return training_pb2.EvaluationResult(model=evaluation)


def folder_evaluation(summary: dict[str, Any], key: str) -> training_pb2.EvaluationResult:
    """``summary`` as ``evaluate_folders`` writes it to ``key``."""
    folders = training_pb2.FolderEvaluation(
        count=summary["count"],
        mean_psnr=summary["mean_psnr"],
        mean_ssim=summary["mean_ssim"],
        images=[training_pb2.ImageScore(name=r["name"], psnr=r["psnr"], ssim=r["ssim"]) for r in summary["images"]],
        skipped=[training_pb2.SkippedImage(file=s["file"], reason=s["reason"]) for s in summary["skipped"]],
        report_json=key,
    )
    return training_pb2.EvaluationResult(folders=folders)
