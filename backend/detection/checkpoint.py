"""Loading a YOLO ``.pt`` properly (in a worker, through Ultralytics) to confirm it is a detector and read
what the model card needs. Imports torch and Ultralytics: call ``ultralytics_env.prepare`` first.

Unpickling a ``.pt`` runs code from the file; that only ever happens in a worker process, never in the
server, and only after ``probe`` found an Ultralytics detection model in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omni_core.errors import FailedPrecondition
from omni_core.jobkinds import TRAIN_DETECTION

DEFAULT_IMGSZ = TRAIN_DETECTION["imgsz"].int_default  # a checkpoint that records none was trained at the default


@dataclass
class CheckpointInfo:
    task: str
    names: list[str]
    imgsz: int
    parameters: int
    architecture: str  # e.g. "yolo11n"
    train_metrics: dict[str, float] = field(default_factory=dict)
    train_args: dict[str, Any] = field(default_factory=dict)


def _imgsz(args: dict[str, Any]) -> int:
    value = args.get("imgsz", DEFAULT_IMGSZ)
    if isinstance(value, list | tuple):
        value = max(value) if value else DEFAULT_IMGSZ
    try:
        return int(value) or DEFAULT_IMGSZ
    except (TypeError, ValueError):
        return DEFAULT_IMGSZ


def architecture_name(model: Any) -> str:
    yaml = getattr(model, "yaml", None) or {}
    stem = Path(str(yaml.get("yaml_file", "yolo"))).stem
    scale = yaml.get("scale", "")
    if scale and stem.rstrip("0123456789") and not stem.endswith(scale):
        return f"{stem}{scale}"
    return stem


def inspect(path: Path, field_name: str = "model") -> CheckpointInfo:
    """What ``path`` holds, or FailedPrecondition naming ``field_name`` if it is not a usable YOLO detector."""
    from ultralytics.nn.tasks import load_checkpoint

    try:
        model, ckpt = load_checkpoint(str(path))
    except Exception as error:  # noqa: BLE001 - any loading failure means "not a usable checkpoint"
        raise FailedPrecondition(
            f"{field_name}: {Path(path).name} cannot be loaded as a YOLO model ({error})"
        ) from None
    task = str(getattr(model, "task", "") or ckpt.get("train_args", {}).get("task", ""))
    if task != "detect":
        raise FailedPrecondition(
            f"{field_name}: {Path(path).name} is a {task or 'non-detection'} model, not a detector"
        )
    raw_names = getattr(model, "names", {}) or {}
    names = (
        [str(raw_names[k]) for k in sorted(raw_names)] if isinstance(raw_names, dict) else [str(n) for n in raw_names]
    )
    args = dict(ckpt.get("train_args") or {})
    metrics = {str(k): float(v) for k, v in (ckpt.get("train_metrics") or {}).items() if isinstance(v, int | float)}
    return CheckpointInfo(
        task=task,
        names=names,
        imgsz=_imgsz(args),
        parameters=sum(p.numel() for p in model.parameters()),
        architecture=architecture_name(model),
        train_metrics=metrics,
        train_args=args,
    )
