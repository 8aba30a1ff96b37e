"""Metric curves as PNG bytes (matplotlib, Agg, its bundled DejaVu font: nothing is downloaded)."""

from __future__ import annotations

import io
from typing import Any


def curves_png(report: dict[str, Any]) -> dict[str, bytes]:
    """One PNG per panel: loss (per step and per epoch), PSNR, SSIM. Empty when nothing was trained."""
    epochs = report.get("epochs", [])
    steps = report.get("steps", [])
    if not epochs and not steps:
        return {}
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    baseline = report.get("baseline", {})
    panels: dict[str, bytes] = {}
    x = [item["epoch"] for item in epochs]

    def save(name: str, fig: Any) -> None:
        buffer = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buffer, format="png", dpi=110)
        plt.close(fig)
        panels[name] = buffer.getvalue()

    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    if steps:
        steps_per_epoch = max(1, steps[-1][0] // max(1, len(epochs))) if epochs else 1
        ax.plot(
            [s / steps_per_epoch for s, _ in steps], [v for _, v in steps], color="#9ab", lw=0.8, label="train (step)"
        )
    if epochs:
        ax.plot(x, [e["train_loss"] for e in epochs], "o-", color="#1f5fa8", label="train")
        ax.plot(x, [e["val_loss"] for e in epochs], "s-", color="#d2691e", label="validation")
    ax.set(xlabel="epoch", ylabel="loss", title="Loss")
    ax.grid(alpha=0.3)
    ax.legend()
    save("loss", fig)
    for key, label, unit in (("psnr", "PSNR", "dB"), ("ssim", "SSIM", "")):
        if not epochs:
            continue
        fig, ax = plt.subplots(figsize=(6.4, 3.0))
        ax.plot(x, [e[key] for e in epochs], "o-", color="#2e8b57", label="model")
        if key in baseline:
            ax.axhline(baseline[key], color="#999", ls="--", label="degraded input")
        ax.set(xlabel="epoch", ylabel=f"{label} {unit}".strip(), title=f"Validation {label}")
        ax.grid(alpha=0.3)
        ax.legend()
        save(key, fig)
    return panels
