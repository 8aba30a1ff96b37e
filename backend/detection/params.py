"""Parameters of the detection jobs, checked before a job is queued.

Field names equal those of ``TrainDetectionSpec``, ``DetectBatchSpec`` and ``PrelabelSpec``
(``protos/omni/v1/detection.proto``); ``backend.rpc.convert`` relies on it. Proto3 sends 0 / "" for
"not given", so zero means the default everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from backend.detection.augment import normalise_overrides, preset_name
from omni_core.errors import InvalidArgument, shown
from omni_core.jobkinds import DETECT_BATCH, TRAIN_DETECTION
from omni_core.jobkinds.batch import CURRENT
from omni_core.jobkinds.checks import check, or_default
from omni_core.providers import provider_name

DEFAULT_MODEL = TRAIN_DETECTION["model"].str_default
DEFAULT_CONF = DETECT_BATCH["conf"].float_default
DEFAULT_IOU = DETECT_BATCH["iou"].float_default
DEFAULT_MAX_DET = DETECT_BATCH["max_det"].int_default
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
    k = TRAIN_DETECTION
    p = replace(
        params,
        dataset=params.dataset.strip(),
        data=params.data.strip(),
        model=or_default(k, "model", params.model.strip()),
        epochs=or_default(k, "epochs", params.epochs),
        imgsz=or_default(k, "imgsz", params.imgsz),
        batch=or_default(k, "batch", params.batch),
        device=or_default(k, "device", params.device.strip()).lower(),
        preset=preset_name(params.preset),
        augment=normalise_overrides(params.augment),
        val_fraction=or_default(k, "val_fraction", params.val_fraction),
        statuses=tuple(params.statuses) or (DONE_STATUS,),
    )
    if bool(p.dataset) == bool(p.data):
        raise InvalidArgument("dataset", "give either a dataset name or a data.yaml (--dataset NAME | --data FILE)")
    check(k, p, "epochs", "imgsz", "batch")
    if not DEVICE_PATTERN.match(p.device):
        ddp = "; several GPUs (DDP) would run Ultralytics in processes this job cannot watch or cancel"
        raise InvalidArgument(
            "device",
            f"{shown(p.device)} is not auto, cpu, cuda, cuda:N, a GPU number or mps" + (ddp if "," in p.device else ""),
        )
    check(k, p, "workers", "val_fraction", "patience", "seed")
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
        model=or_default(DETECT_BATCH, "model", options.model.strip()),
        conf=or_default(DETECT_BATCH, "conf", options.conf),
        iou=or_default(DETECT_BATCH, "iou", options.iou),
        max_det=or_default(DETECT_BATCH, "max_det", options.max_det),
        require_provider=provider_name(options.require_provider),
    )
    check(DETECT_BATCH, o, "conf", "iou", "max_det")
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
