"""``omni eval``: PSNR and SSIM of every image in one folder against the same-named image in another.

Both folders are checked again when the job runs, and an image that resolves where the backend may not read
(a link out of a confined backend's workspace) is listed as skipped, never read."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from backend.jobs.context import JobContext, confinement_of
from backend.reports.store import json_safe
from backend.restoration.evaluation_result import folder_evaluation
from backend.restoration.metrics import psnr, ssim
from backend.restoration.pairs import IMAGE_EXTENSIONS, load_rgb
from backend.restoration.params import EvaluateParams
from omni_core.confinement import PathChecker
from omni_core.errors import FailedPrecondition, shown


def _by_stem(folder: Path, policy: PathChecker, skipped: list[dict[str, str]]) -> dict[str, Path]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in IMAGE_EXTENSIONS:
            continue
        why = policy.refusal(path)
        if why:
            skipped.append({"file": str(path), "reason": why})
        elif path.is_file():
            found[path.relative_to(folder).with_suffix("").as_posix()] = path
    return found


def evaluate_folders(params: EvaluateParams, ctx: JobContext) -> dict[str, Any]:
    policy = confinement_of(ctx)
    checker = PathChecker(policy)
    skipped: list[dict[str, str]] = []
    pred = _by_stem(policy.resolve(params.pred, "pred"), checker, skipped)
    ref = _by_stem(policy.resolve(params.ref, "ref"), checker, skipped)
    names = sorted(set(pred) & set(ref))
    if not names:
        raise FailedPrecondition(f"no image in {shown(params.pred)} has a same-named reference in {shown(params.ref)}")
    rows: list[dict[str, Any]] = []
    skipped.extend({"file": str(pred[n]), "reason": "no reference"} for n in sorted(set(pred) - set(ref)))
    for done, name in enumerate(names, 1):
        ctx.check_cancelled()
        try:
            a = load_rgb(pred[name]).astype(np.float64) / 255.0
            b = load_rgb(ref[name]).astype(np.float64) / 255.0
        except OSError as error:
            skipped.append({"file": name, "reason": f"unreadable: {error}"})
            continue
        if a.shape != b.shape:
            skipped.append(
                {"file": name, "reason": f"size mismatch {a.shape[1]}x{a.shape[0]} vs {b.shape[1]}x{b.shape[0]}"}
            )
            continue
        rows.append({"name": name, "psnr": psnr(a, b), "ssim": ssim(a, b)})
        ctx.progress(done, len(names), unit="images")
    finite = [r["psnr"] for r in rows if math.isfinite(r["psnr"])]
    mean_psnr = sum(finite) / len(finite) if finite else float("inf")
    mean_ssim = sum(r["ssim"] for r in rows) / len(rows) if rows else 0.0
    summary: dict[str, Any] = {
        "count": len(rows),
        "mean_psnr": mean_psnr,
        "mean_ssim": mean_ssim,
        "images": rows,
        "skipped": skipped,
    }
    key = f"evaluation/{ctx.job_id}.json"
    info = ctx.store.put_bytes(key, json.dumps(json_safe(summary), indent=2, allow_nan=False).encode())
    ctx.artifact(key, "evaluation", size_bytes=info.size, sha256=info.sha256, description="per-image PSNR/SSIM")
    ctx.set_output("result", key)
    ctx.evaluation(folder_evaluation(summary, key))
    ctx.metric("mean/ssim", mean_ssim)
    if math.isfinite(mean_psnr):
        ctx.metric("mean/psnr", mean_psnr)
    return {"count": len(rows), "mean_psnr": f"{mean_psnr:.4f}", "mean_ssim": f"{mean_ssim:.6f}"}
