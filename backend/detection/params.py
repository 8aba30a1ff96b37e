"""Parameters of the detection jobs, checked before a job is queued.

Field names equal those of ``TrainDetectionSpec``, ``DetectBatchSpec`` and ``PrelabelSpec``
(``protos/omni/v1/detection.proto``); ``backend.rpc.convert`` relies on it. Proto3 sends 0 / "" for
"not given", so zero means the default everywhere.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from backend.detection.augment import normalise_overrides, preset_name
from omni_core.errors import InvalidArgument, shown
from omni_core.providers import provider_name

DEFAULT_MODEL = "yolo11n.yaml"
DEFAULT_EPOCHS = 100
DEFAULT_IMGSZ = 640
DEFAULT_BATCH = 16
DEFAULT_VAL_FRACTION = 0.2
DEFAULT_CONF = 0.25
DEFAULT_IOU = 0.7
DEFAULT_MAX_DET = 300
CURRENT = "current"
DONE_STATUS = 2  # omni.v1.ImageStatus DONE: what a dataset export trains on unless told otherwise
DEVICE_PATTERN = re.compile(r"^(auto|cpu|cuda|mps|cuda:\d+|\d+)$")


@dataclass(frozen=True)
class TrainDetectionParams:
    dataset: str = ""  # a dataset of this backend, exported to YOLO with a deterministic split first
    data: str = ""  # or a data.yaml on the backend
    model: str = ""  # yolo11n.yaml, yolo11s.yaml, ... | a local .pt | a registered detector version
    epochs: int = 0
    imgsz: int = 0
    batch: int = 0
    device: str = ""  # auto | cpu | cuda | cuda:N | N (one GPU) | mps
    preset: str = ""  # standard (Ultralytics' defaults) | few_photos
    augment: tuple[str, ...] = ()  # name=value overrides of single knobs, e.g. degrees=20
    seed: int = 0
    workers: int = 0  # data loader workers: 0 = Ultralytics' default, -1 = none
    val_fraction: float = 0.0  # dataset exports: share of images for validation
    statuses: tuple[int, ...] = ()  # dataset exports: image statuses to train on (default: done)
    patience: int = 0  # epochs without improvement before stopping early; 0 = Ultralytics' default (100)


def validate_train_params(params: TrainDetectionParams) -> TrainDetectionParams:
    """Defaults for zero values and range checks; paths and the model are checked by ``jobs.prepare``."""
    p = replace(
        params,
        dataset=params.dataset.strip(),
        data=params.data.strip(),
        model=params.model.strip() or DEFAULT_MODEL,
        epochs=params.epochs or DEFAULT_EPOCHS,
        imgsz=params.imgsz or DEFAULT_IMGSZ,
        batch=params.batch or DEFAULT_BATCH,
        device=(params.device.strip() or "auto").lower(),
        preset=preset_name(params.preset),
        augment=normalise_overrides(params.augment),
        val_fraction=params.val_fraction or DEFAULT_VAL_FRACTION,
        statuses=tuple(params.statuses) or (DONE_STATUS,),
    )
    if bool(p.dataset) == bool(p.data):
        raise InvalidArgument("dataset", "give either a dataset name or a data.yaml (--dataset NAME | --data FILE)")
    checks = [
        ("epochs", 1 <= p.epochs <= 10_000, f"must be between 1 and 10000, got {p.epochs}"),
        ("imgsz", 32 <= p.imgsz <= 4096 and p.imgsz % 32 == 0, f"must be a multiple of 32 in 32..4096, got {p.imgsz}"),
        ("batch", 1 <= p.batch <= 1024, f"must be between 1 and 1024, got {p.batch}"),
        (
            "device",
            bool(DEVICE_PATTERN.match(p.device)),
            f"{shown(p.device)} is not auto, cpu, cuda, cuda:N, a GPU number or mps"
            + (
                "; several GPUs (DDP) would run Ultralytics in processes this job cannot watch or cancel"
                if "," in p.device
                else ""
            ),
        ),
        ("workers", -1 <= p.workers <= 64, f"must be between -1 (none) and 64 (0 = default), got {p.workers}"),
        (
            "val_fraction",
            math.isfinite(p.val_fraction) and 0 < p.val_fraction < 1,
            f"must be between 0 and 1 (exclusive), got {p.val_fraction}",
        ),
        ("patience", 0 <= p.patience <= 10_000, f"must be between 0 (default) and 10000, got {p.patience}"),
        ("seed", p.seed >= 0, f"must not be negative, got {p.seed}"),
    ]
    for field, ok, message in checks:
        if not ok:
            raise InvalidArgument(field, message)
    return p


@dataclass(frozen=True)
class DetectOptions:
    """How images are detected: the same for a batch job, a pre-labelling job and a suggestion."""

    model: str = CURRENT  # a detector version, or "current" (the promoted one, else the newest)
    conf: float = 0.0
    iou: float = 0.0
    max_det: int = 0
    require_provider: str = ""


def validate_options(options: DetectOptions) -> DetectOptions:
    o = replace(
        options,
        model=options.model.strip() or CURRENT,
        conf=options.conf or DEFAULT_CONF,
        iou=options.iou or DEFAULT_IOU,
        max_det=options.max_det or DEFAULT_MAX_DET,
        require_provider=provider_name(options.require_provider),
    )
    if not (math.isfinite(o.conf) and 0 < o.conf < 1):
        raise InvalidArgument("conf", f"must be between 0 and 1 (exclusive), got {o.conf}")
    if not (math.isfinite(o.iou) and 0 < o.iou <= 1):
        raise InvalidArgument("iou", f"must be in (0, 1], got {o.iou}")
    if not 1 <= o.max_det <= 10_000:
        raise InvalidArgument("max_det", f"must be between 1 and 10000, got {o.max_det}")
    return o


@dataclass(frozen=True)
class DetectBatchParams:
    input: str = ""
    out: str = ""
    model: str = CURRENT
    conf: float = 0.0
    iou: float = 0.0
    recursive: bool = False
    overwrite: bool = False  # redo images whose outputs exist (the CLI's --no-resume)
    require_provider: str = ""
    max_det: int = 0

    def options(self) -> DetectOptions:
        return DetectOptions(self.model, self.conf, self.iou, self.max_det, self.require_provider)


def validate_batch_params(params: DetectBatchParams) -> DetectBatchParams:
    for name in ("input", "out"):
        if not getattr(params, name).strip():
            raise InvalidArgument(name, "a folder is required")
    o = validate_options(params.options())
    return replace(
        params, model=o.model, conf=o.conf, iou=o.iou, max_det=o.max_det, require_provider=o.require_provider
    )


@dataclass(frozen=True)
class PrelabelParams:
    dataset: str = ""
    model: str = CURRENT
    conf: float = 0.0
    iou: float = 0.0
    max_det: int = 0
    require_provider: str = ""

    def options(self) -> DetectOptions:
        return DetectOptions(self.model, self.conf, self.iou, self.max_det, self.require_provider)


def validate_prelabel_params(params: PrelabelParams) -> PrelabelParams:
    if not params.dataset.strip():
        raise InvalidArgument("dataset", "a dataset name is required")
    o = validate_options(params.options())
    return replace(
        params,
        dataset=params.dataset.strip(),
        model=o.model,
        conf=o.conf,
        iou=o.iou,
        max_det=o.max_det,
        require_provider=o.require_provider,
    )
