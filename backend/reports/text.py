"""The plain-text report, in the layout operators know from the first version of this system."""

from __future__ import annotations

import time
from typing import Any

from backend.reports.clean_data import clean_data_lines, is_clean_run
from backend.reports.real_images import real_image_lines

RULE = "=" * 78


def speed_lines(model: dict[str, Any]) -> list[str]:
    """The tier and the measured speed (bare ONNX Runtime run) of a registered restoration model."""
    speed = model.get("speed") or {}
    if "mp_per_s" not in speed:
        return [f"Tier: {model['tier']}"] if model.get("tier") else []
    lines = [
        f"Tier: {model.get('tier', '-')}  Speed: {speed['mp_per_s']:.2f} MP/s (bare ONNX Runtime run, "
        f"{speed.get('side')}x{speed.get('side')} px, {speed.get('provider')}, {speed.get('threads')} threads, "
        f"{speed.get('cpu')})"
    ]
    if "parallel_mp_per_s" in speed:
        lines.append(
            f"  {speed['parallel_mp_per_s']:.2f} MP/s with {speed.get('streams')} single-threaded calls at once, "
            "as omni restore runs on this CPU"
        )
    return lines


def fine_tuned_from(report: dict[str, Any]) -> str:
    """The version a training run started from ("" = random weights)."""
    return str((report.get("parameters") or {}).get("start_from") or "")


def registered_epoch(report: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """The epoch a run registered and the last epoch's metrics, when it is not the last (the best on validation)."""
    registered = int((report.get("improvement") or {}).get("registered_epoch") or 0)
    epochs = report.get("epochs") or []
    if not registered or not epochs or registered == epochs[-1]["epoch"]:
        return None
    return registered, epochs[-1]


def _fine_tuned_line(report: dict[str, Any]) -> list[str]:
    start = fine_tuned_from(report)
    if not start:
        return []
    scored = (report.get("fine_tuning") or {}).get("psnr")
    before = f"; on this validation set it scored PSNR {scored:.2f} dB before the run" if scored is not None else ""
    return [f"Fine-tuned from: {start} (its weights started the run{before})"]


def _registered_epoch_line(report: dict[str, Any]) -> list[str]:
    if (found := registered_epoch(report)) is None:
        return []
    epoch, last = found
    return [
        f"Registered: epoch {epoch} of {last['epoch']}, the best on validation (the last epoch: PSNR "
        f"{last['psnr']:.2f} dB)"
    ]


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min {secs} s"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def size(num: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(num) < 1024 or unit == "GB":
            return f"{num:.2f} {unit}" if unit != "B" else f"{int(num)} B"
        num /= 1024
    return f"{num:.2f} GB"


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds)) if seconds else "-"


def header_lines(report: dict[str, Any], title: str) -> list[str]:
    """The title block both training reports open with: job id, duration, state, times, error."""
    job = report.get("job", {})
    lines = [
        RULE,
        f"REPORTE DE ENTRENAMIENTO {title} / TRAINING REPORT",
        RULE,
        f"Job ID: {job.get('id')}   Duration: {duration(job.get('duration_seconds', 0))}   "
        f"State: {str(report.get('state', '')).upper()}",
        f"Started: {_when(job.get('started_at', 0))}   Finished: {_when(job.get('finished_at', 0))}",
    ]
    if report.get("error"):
        lines.append(f"Error: {report['error']}")
    return lines


def closing_lines(report: dict[str, Any], libraries: str = "") -> list[str]:
    """The environment (``libraries`` after PyTorch, e.g. "Ultralytics 8.4") and the recommendations."""
    env = report.get("environment", {})
    lines = [
        "",
        "ENVIRONMENT",
        f"Python {env.get('python')}  PyTorch {env.get('torch')}  {libraries + '  ' if libraries else ''}"
        f"Device: {env.get('device')}  CUDA available: {'Yes' if env.get('cuda_available') else 'No'}"
        + (f" ({env.get('gpu')})" if env.get("gpu") else ""),
        f"Memory used: ~{size(env.get('peak_memory_bytes', 0))} peak  CPUs: {env.get('cpu_count')}  "
        f"Host: {env.get('hostname')}",
        "",
        "RECOMMENDATIONS",
    ]
    lines += [f"- {item}" for item in report.get("recommendations", [])] or ["- none"]
    lines.append(RULE)
    return lines


def render_restoration_text(report: dict[str, Any]) -> str:
    params, data = report.get("parameters", {}), report.get("data", {})
    model, base = report.get("model") or {}, report.get("baseline", {})
    lines = header_lines(report, f"LAYER {params.get('layer', '?')}")
    lines += [
        "",
        "PARAMETERS",
        f"Epochs: {params.get('epochs')}  Batch size: {params.get('batch_size')}  Learning rate: {params.get('lr')}  "
        f"Max pairs: {params.get('max_pairs') or 'all'}  Optimizer: AdamW  Loss: {params.get('loss')}",
        f"Patch: {params.get('patch')}  Validation split: {params.get('val_split')}  Preset: {params.get('preset')}  "
        f"Device: {params.get('device')}  Seed: {params.get('seed')}",
        f"Data: {params.get('data') or params.get('clean')}",
        "",
        "DATA",
    ]
    if is_clean_run(data):
        lines += clean_data_lines(data)
    else:
        lines += [
            f"Files processed: {data.get('files_seen', 0)}  Valid pairs: {data.get('valid_pairs', 0)}  "
            f"Clean: {data.get('clean_files', 0)}  Degraded: {data.get('degraded_files', 0)}",
            f"Train pairs: {data.get('train_pairs', 0)}  Validation pairs: {data.get('val_pairs', 0)}  "
            f"Rejected: {data.get('rejected', 0)}",
        ]
    for reason, count in (data.get("rejected_by_reason") or {}).items():
        lines.append(f"  rejected ({reason}): {count}")
    for example in (data.get("rejected_examples") or [])[:5]:
        lines.append(f"    {example['file']}: {example['reason']}")
    lines += ["", "METRICS PER EPOCH"]
    if base:
        lines.append(f"Degraded input:  PSNR={base.get('psnr', 0):.2f}, SSIM={base.get('ssim', 0):.3f}")
    for item in report.get("epochs", []):
        lines.append(
            f"Epoch {item['epoch']}: Loss={item['train_loss']:.4f}, Val loss={item['val_loss']:.4f}, "
            f"PSNR={item['psnr']:.2f}, SSIM={item['ssim']:.3f}, Improved={item['improved_fraction']:.0%}, "
            f"{item['images_per_second']:.1f} img/s"
        )
    if not report.get("epochs"):
        lines.append("No epoch completed.")
    improvement = report.get("improvement") or {}
    if improvement:
        lines += [
            "",
            "TOTAL IMPROVEMENT",
            f"Loss: {improvement.get('loss_first', 0):.4f} -> {improvement.get('loss_last', 0):.4f} "
            f"({improvement.get('loss_change_pct', 0):+.1f}%)",
            f"PSNR: {improvement.get('psnr_first', 0):.2f} -> {improvement.get('psnr_last', 0):.2f} dB "
            f"({improvement.get('psnr_change', 0):+.2f} dB; {improvement.get('psnr_vs_input', 0):+.2f} dB vs input)",
            f"SSIM: {improvement.get('ssim_first', 0):.3f} -> {improvement.get('ssim_last', 0):.3f} "
            f"({improvement.get('ssim_change', 0):+.3f}; {improvement.get('ssim_vs_input', 0):+.3f} vs input)",
            *_registered_epoch_line(report),
        ]
    lines += real_image_lines(report.get("real_images") or {})
    lines += ["", "MODEL"]
    if model.get("version"):
        lines += [
            f"Model saved: {model.get('weights_key')}  Size: {size(model.get('weights_bytes', 0))}  "
            f"Parameters: ~{model.get('parameters', 0):,}",
            f"Version: {model['version']}  Architecture: {model.get('architecture')} ({model.get('preset')})",
            *_fine_tuned_line(report),
            f"ONNX: {model.get('onnx_key')}  Size: {size(model.get('onnx_bytes', 0))}  "
            f"Max abs diff vs PyTorch: {model.get('onnx_max_abs_diff', float('nan')):.2e}",
        ]
        lines += speed_lines(model)
    else:
        lines.append("No model was registered (the run did not finish).")
    comparison = report.get("comparison")
    lines += ["", "COMPARISON WITH THE PREVIOUS MODEL"]
    if comparison:
        lines.append(
            f"Previous model: {comparison['previous_version']}  PSNR change: {comparison['psnr_change']:+.2f} dB  "
            f"SSIM change: {comparison['ssim_change']:+.3f}"
        )
    else:
        lines.append("Previous model: none (first model of this layer)")
    lines += closing_lines(report)
    return "\n".join(lines) + "\n"
