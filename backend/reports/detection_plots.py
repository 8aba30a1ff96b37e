"""Detection report figures as PNG bytes (matplotlib, Agg, its bundled DejaVu font: nothing is downloaded):
the loss curves, precision/recall/mAP curves, and the confusion matrix."""

from __future__ import annotations

import io
import math
from typing import Any


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def _png(plt: Any, fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def _series(epochs: list[dict[str, Any]], name: str) -> list[float]:
    values = [e.get(name) for e in epochs]
    return [float(v) if isinstance(v, int | float) and math.isfinite(v) else math.nan for v in values]


def detection_curves_png(report: dict[str, Any]) -> dict[str, bytes]:
    """ "loss" (box/cls/dfl, train solid, validation dashed) and "metrics" (P, R, mAP50, mAP50-95)."""
    epochs = report.get("epochs") or []
    if not epochs:
        return {}
    plt = _pyplot()
    x = [e["epoch"] for e in epochs]
    panels: dict[str, bytes] = {}
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for name, colour in (("box", "#1f5fa8"), ("cls", "#d2691e"), ("dfl", "#2e8b57")):
        ax.plot(x, _series(epochs, f"train_{name}_loss"), "o-", color=colour, label=f"train {name}")
        ax.plot(x, _series(epochs, f"val_{name}_loss"), "s--", color=colour, alpha=0.7, label=f"val {name}")
    ax.set(xlabel="epoch", ylabel="loss", title="Losses")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=3)
    panels["loss"] = _png(plt, fig)
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    for name, label, colour in (
        ("precision", "precision", "#8e44ad"),
        ("recall", "recall", "#c0392b"),
        ("map50", "mAP50", "#1f5fa8"),
        ("map50_95", "mAP50-95", "#2e8b57"),
    ):
        ax.plot(x, _series(epochs, name), "o-", color=colour, label=label)
    ax.set(xlabel="epoch", ylabel="value", title="Validation metrics", ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    panels["metrics"] = _png(plt, fig)
    return panels


def confusion_png(confusion: dict[str, Any] | None) -> bytes | None:
    if not confusion or not confusion.get("matrix"):
        return None
    import numpy as np

    plt = _pyplot()
    labels = [str(label) for label in confusion["labels"]]
    matrix = np.asarray(confusion["matrix"], dtype=float)
    columns = matrix.sum(axis=0, keepdims=True)
    share = np.divide(matrix, columns, out=np.zeros_like(matrix), where=columns > 0)  # of each true class
    side = 1.6 + 0.55 * len(labels)
    fig, ax = plt.subplots(figsize=(side + 1.2, side))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set(xlabel="true", ylabel="predicted", title="Confusion matrix (share of each true class)")
    for (row, col), value in np.ndenumerate(matrix):
        if value:
            ax.text(
                col,
                row,
                f"{value:g}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if share[row, col] > 0.5 else "#1d2430",
            )
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return _png(plt, fig)
