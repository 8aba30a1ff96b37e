"""Advice derived from a run's actual curves, not boilerplate: each rule reads the history."""

from __future__ import annotations

from typing import Any

from backend.reports.real_images import real_image_advice

FEW_PAIRS = 50
STILL_IMPROVING_DB = 0.1  # PSNR gain over the last epochs that says "train longer"


def _series(epochs: list[dict[str, Any]], name: str) -> list[float]:
    return [float(item[name]) for item in epochs if name in item]


def recommend(report: dict[str, Any]) -> list[str]:
    if report.get("kind") == "train_detection":
        from backend.reports.detection_advice import detection_advice

        return detection_advice(report)
    advice: list[str] = []
    epochs = report.get("epochs", [])
    state = report.get("state", "")
    data = report.get("data", {})
    env = report.get("environment", {})
    params = report.get("parameters", {})
    baseline = report.get("baseline", {})
    error = report.get("error", "")

    if state == "failed" and "loss became" in error:
        advice.append(f"The loss diverged; retry with a learning rate well below {params.get('lr')} (e.g. a tenth).")
    if state == "failed" and "out of memory" in error:
        advice.append("Memory ran out; halve --batch-size or --patch, or use a smaller preset.")
    if state == "cancelled":
        advice.append("The run was cancelled; its last checkpoint is kept, resume it to continue from there.")
    if state == "interrupted":
        advice.append("The backend stopped during the run; resume it to continue from its last checkpoint.")

    pairs = int(data.get("valid_pairs", 0) or 0)
    if 0 < pairs < FEW_PAIRS:
        advice.append(
            f"Only {pairs} valid pairs: too little data for a model that generalises; "
            "generate more with `omni synth restoration` or add real pairs."
        )
    rejected = int(data.get("rejected", 0) or 0)
    if rejected:
        advice.append(f"{rejected} files were rejected (see data statistics); fix or remove them to use all your data.")

    train_loss, val_loss, psnr = _series(epochs, "train_loss"), _series(epochs, "val_loss"), _series(epochs, "psnr")
    if len(val_loss) >= 3:
        best = min(range(len(val_loss)), key=val_loss.__getitem__)
        if best < len(val_loss) - 2 and val_loss[-1] > val_loss[best] * 1.02 and train_loss[-1] < train_loss[best]:
            advice.append(
                f"Over-fitting: validation loss was lowest at epoch {best + 1} and rose since while training loss kept "
                "falling; use more data, fewer epochs, or a smaller preset."
            )
    if len(psnr) >= 2:
        window = psnr[-3:] if len(psnr) >= 3 else psnr
        gain = window[-1] - window[0]
        if gain > STILL_IMPROVING_DB and state == "succeeded":
            advice.append(
                f"Still improving: PSNR rose {gain:+.2f} dB over the last {len(window) - 1} epoch(s); "
                "more epochs should help."
            )
        elif abs(gain) <= 0.02 and len(psnr) >= 3:
            advice.append(
                "PSNR has plateaued; more epochs alone will not help much — try more data or a larger preset."
            )
    if psnr and baseline.get("psnr") is not None:
        change = psnr[-1] - float(baseline["psnr"])
        if change <= 0:
            advice.append(
                f"The model is not better than the degraded input yet (PSNR {change:+.2f} dB vs input); "
                "train longer or check that clean/degraded pairs are aligned."
            )
    advice += _fine_tuning_advice(report)
    advice += real_image_advice(report.get("real_images") or {})
    improved = _series(epochs, "improved_fraction")
    if improved and improved[-1] < 0.5:
        advice.append(f"Only {improved[-1]:.0%} of validation images improved over their input.")
    comparison = report.get("comparison") or {}
    if comparison.get("psnr_change") is not None and comparison["psnr_change"] < 0:
        advice.append(
            f"This version is worse than {comparison.get('previous_version')} "
            f"({comparison['psnr_change']:+.2f} dB); keep the current model."
        )
    elif comparison.get("psnr_change") is not None and comparison["psnr_change"] > 0.05:
        advice.append(
            f"Better than {comparison.get('previous_version')}; "
            f"consider `omni models promote {report.get('model', {}).get('version')}`."
        )
    if not env.get("cuda_available"):
        advice.append(
            "Trained on CPU: a GPU backend (or SageMaker) would make larger presets and more epochs practical."
        )
    return advice


def _fine_tuning_advice(report: dict[str, Any]) -> list[str]:
    """A fine-tuning run whose registered epoch scores below its starting version on the same validation set."""
    start, registered = report.get("fine_tuning") or {}, (report.get("improvement") or {}).get("psnr_last")
    if start.get("psnr") is None or registered is None or registered >= start["psnr"]:
        return []
    return [
        f"No epoch beat {start.get('start_version')} on this validation set (PSNR {registered:.2f} vs "
        f"{start['psnr']:.2f} dB before the run): keep it, or fine-tune again with a lower --lr."
    ]
