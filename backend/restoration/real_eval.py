"""Scoring on real images: every held-out crop of the real-image set (``real_set``), degraded by each
independent case (``independent_degradation``), restored by the classical baselines and by a model; PSNR/SSIM
of each against the clean crop, averaged per domain. The result is the ``real_images`` section of a report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
import torch

from backend.restoration.baselines import BASELINES, Restorer
from backend.restoration.independent_degradation import CASES, degrade
from backend.restoration.metrics import psnr, ssim
from backend.restoration.real_set import Domain, held_out
from backend.restoration.tiling import tiled_forward

#: the baselines a training report scores (BM3D takes seconds a crop: the bench and ``--bm3d`` add it)
DEFAULT_BASELINES: tuple[str, ...] = ("nlm",)
#: how far below its input (dB) a model's mean may fall before a report calls it worse than its input
WORSE_MARGIN_DB = 0.0


def cases() -> list[tuple[str, Domain, str, np.ndarray, np.ndarray]]:
    """(image, domain, case, clean crop, degraded crop) for every held-out crop and case, fixed seeds."""
    return [(image.name, image.domain, case, clean, degraded) for image, case, clean, degraded in _cases()]


@cache
def _cases() -> tuple[tuple[Any, str, np.ndarray, np.ndarray], ...]:
    out = []
    for number, (image, clean) in enumerate(held_out()):
        for index, case in enumerate(CASES):
            out.append((image, case, clean, degrade(clean, case, seed=1000 + 10 * number + index)))
    return tuple(out)


def _score(output: np.ndarray, clean: np.ndarray) -> tuple[float, float]:
    a, b = output.astype(np.float64) / 255.0, clean.astype(np.float64) / 255.0
    return psnr(a, b), ssim(a, b)


@cache
def _baseline_scores(name: str) -> tuple[tuple[float, float], ...]:
    """A baseline's scores on every case (the same for every model, so worked out once per process)."""
    return tuple(_score(BASELINES[name](degraded), clean) for _, _, _, clean, degraded in cases())


#: restores a batch of same-sized RGB uint8 images (N x H x W x 3) at once
BatchRestorer = Callable[[np.ndarray], np.ndarray]


def torch_restorer(model: torch.nn.Module) -> BatchRestorer:
    """A batch restorer from an image-to-image network, run on the CPU: all crops in one forward pass, three to
    four times faster than one by one on a CPU."""
    model = model.to("cpu").eval()

    def restore(images: np.ndarray) -> np.ndarray:
        source = torch.from_numpy(images.transpose(0, 3, 1, 2).copy()).float() / 255.0
        with torch.inference_mode():
            output = tiled_forward(model, source).clamp(0, 1).permute(0, 2, 3, 1).numpy()
        return (output * 255.0 + 0.5).astype(np.uint8)

    return restore


def one_by_one(restore: Restorer) -> BatchRestorer:
    """A batch restorer from one that takes a single image (an ONNX session, a filter)."""
    return lambda images: np.stack([restore(image) for image in images])


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    return float(np.mean([row[key] for row in rows])) if rows else 0.0


def evaluate_real(
    model: BatchRestorer | None,
    baselines: Sequence[str] = DEFAULT_BASELINES,
    check: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """The ``real_images`` report section: per case and per domain, PSNR/SSIM of the degraded input, each
    baseline and (when given) the model. ``check`` is called between cases (a job's cancellation check)."""
    unknown = [name for name in baselines if name not in BASELINES]
    if unknown:
        raise ValueError(f"baselines: unknown {', '.join(unknown)}; one of {', '.join(BASELINES)}")
    methods = ["input", *baselines, *(["model"] if model is not None else [])]
    scores = {name: _baseline_scores(name) for name in baselines}
    everything = cases()
    outputs = model(np.stack([degraded for *_, degraded in everything])) if model is not None else None
    rows: list[dict[str, Any]] = []
    for number, (name, domain, case, clean, degraded) in enumerate(everything):
        check()
        row: dict[str, Any] = {"image": name, "domain": domain, "case": case}
        row["input_psnr"], row["input_ssim"] = _score(degraded, clean)
        for baseline in baselines:
            row[f"{baseline}_psnr"], row[f"{baseline}_ssim"] = scores[baseline][number]
        if outputs is not None:
            row["model_psnr"], row["model_ssim"] = _score(outputs[number], clean)
        rows.append(row)
    domains: dict[str, Any] = {}
    for domain in sorted({row["domain"] for row in rows}, reverse=True):
        mine = [row for row in rows if row["domain"] == domain]
        summary: dict[str, Any] = {"count": len(mine)}
        for method in methods:
            summary[method] = {"psnr": _mean(mine, f"{method}_psnr"), "ssim": _mean(mine, f"{method}_ssim")}
        if model is not None:
            summary["model_worse_than_input"] = sum(row["model_psnr"] < row["input_psnr"] for row in mine)
            summary["model_vs_input"] = summary["model"]["psnr"] - summary["input"]["psnr"]
        domains[domain] = summary
    return {
        "description": "held-out crops of real photos and scans from installed packages, degraded independently "
        "of our generator (" + ", ".join(CASES) + ")",
        "methods": methods,
        "cases": rows,
        "domains": domains,
    }


def worse_domains(section: dict[str, Any]) -> list[str]:
    """The domains whose mean model PSNR is below the degraded input's (by more than ``WORSE_MARGIN_DB``)."""
    return [
        domain
        for domain, summary in section.get("domains", {}).items()
        if "model_vs_input" in summary and summary["model_vs_input"] < -WORSE_MARGIN_DB
    ]
