"""Training jobs: ``train_restoration`` (TrainRestorationSpec) and ``train_detection`` (TrainDetectionSpec)."""

from __future__ import annotations

from omni_core.jobkinds.common import domain, flag, folder, seed
from omni_core.jobkinds.spec import INT32_MAX, JobKind, ParamSpec

MINUTES_MAX = 1_000_000.0  # about two years: a sanity bound for the time budgets

TRAIN_RESTORATION = JobKind(
    "train_restoration",
    "Train a restoration network",
    "omni.v1.TrainRestorationSpec",
    (
        folder("data", "Data folder", "folder with clean/ and degraded/ (same file names)"),
        folder("clean", "Clean images", "folder of clean photos or scans, random crops degraded afresh every epoch"),
        domain("the degradation preset with clean images, recorded in the model card"),
        flag("whiten_paper", "Whiten paper", "documents from clean images: train to make the paper white"),
        ParamSpec("layer", "Network", "1: fast CNN, 2: Restormer-style transformer", "int", 2, minimum=1, maximum=2),
        ParamSpec(
            "preset",
            "Preset",
            "network size; mini learns the most in a short CPU budget (same step time as tiny)",
            "choice",
            "tiny",
            choices=("tiny", "mini", "small", "base"),
        ),
        ParamSpec("epochs", "Epochs", "passes over the training pairs", "int", 10, minimum=1, maximum=100_000),
        ParamSpec("batch_size", "Batch size", "pairs per training step", "int", 4, minimum=1, maximum=4096),
        ParamSpec(
            "lr",
            "Learning rate",
            "peak learning rate (AdamW, cosine decay)",
            "float",
            1e-4,
            minimum=0,
            maximum=1,
            min_exclusive=True,
        ),
        ParamSpec(
            "max_pairs",
            "Max pairs",
            "use at most this many pairs",
            "int",
            0,
            minimum=0,
            maximum=INT32_MAX,
            specials=((0, "all"),),
        ),
        ParamSpec(
            "patch", "Patch", "side of the random training crops", "int", 128, minimum=16, maximum=2048, unit="px"
        ),
        ParamSpec(
            "val_split",
            "Validation share",
            "share of pairs kept to validate each epoch",
            "float",
            0.1,
            minimum=0,
            maximum=1,
            min_exclusive=True,
            max_exclusive=True,
        ),
        ParamSpec(
            "device",
            "Device",
            "auto = CUDA when the backend has a GPU, else CPU",
            "choice",
            "auto",
            choices=("auto", "cpu", "cuda"),
        ),
        seed(),
        ParamSpec(
            "loss",
            "Loss",
            "charbonnier: smooth L1 on pixels; +ssim adds a structural term",
            "choice",
            "charbonnier",
            choices=("charbonnier", "l1", "charbonnier+ssim"),
        ),
        ParamSpec(
            "num_workers",
            "Data workers",
            "data loader workers",
            "int",
            0,
            minimum=-1,
            maximum=64,
            specials=((0, "sized to the machine"), (-1, "none")),
        ),
        ParamSpec(
            "max_minutes",
            "Time budget",
            "stop training after this long, then validate and register",
            "float",
            0.0,
            minimum=0,
            maximum=MINUTES_MAX,
            specials=((0, "no limit"),),
            unit="min",
        ),
        ParamSpec(
            "cpu_minutes",
            "CPU budget",
            "the budget in CPU time of the training process (reproducible)",
            "float",
            0.0,
            minimum=0,
            maximum=MINUTES_MAX,
            specials=((0, "no limit"),),
            unit="min",
        ),
    ),
)

#: augmentation presets (backend/detection/augment.py holds their values)
DETECTION_PRESETS = ("standard", "few_photos")
#: image statuses a dataset export may train on (omni.v1.ImageStatus without its prefix)
IMAGE_STATUSES = ("todo", "done", "review")

TRAIN_DETECTION = JobKind(
    "train_detection",
    "Train a detector",
    "omni.v1.TrainDetectionSpec",
    (
        ParamSpec(
            "dataset", "Dataset", "a dataset of the backend, exported to YOLO with a deterministic split", "string", ""
        ),
        folder("data", "data.yaml", "a YOLO data.yaml (instead of a dataset)"),
        ParamSpec(
            "model",
            "Model",
            "an architecture (from scratch), a local .pt or a detector version to fine-tune",
            "string",
            "yolo11n.yaml",
            suggestions=("yolo11n.yaml", "yolo11s.yaml"),
        ),
        ParamSpec("epochs", "Epochs", "passes over the training images", "int", 100, minimum=1, maximum=10_000),
        ParamSpec(
            "imgsz",
            "Image size",
            "training image size",
            "int",
            640,
            minimum=32,
            maximum=4096,
            multiple_of=32,
            unit="px",
        ),
        ParamSpec("batch", "Batch", "images per training step", "int", 16, minimum=1, maximum=1024),
        ParamSpec(
            "device",
            "Device",
            "auto, cpu, cuda, cuda:N, a GPU number or mps",
            "string",
            "auto",
            suggestions=("auto", "cpu", "cuda", "mps"),
        ),
        ParamSpec(
            "preset",
            "Augmentation",
            "Ultralytics' defaults (standard) or heavy augmentation for a handful of photos (few_photos)",
            "choice",
            "standard",
            choices=DETECTION_PRESETS,
        ),
        ParamSpec(
            "augment",
            "Augmentation overrides",
            "name=value overrides on top of the preset, e.g. degrees=20",
            "string",
            (),
            repeated=True,
        ),
        seed(),
        ParamSpec(
            "workers",
            "Data workers",
            "data loader workers",
            "int",
            0,
            minimum=-1,
            maximum=64,
            specials=((0, "Ultralytics' default"), (-1, "none")),
        ),
        ParamSpec(
            "val_fraction",
            "Validation share",
            "dataset exports: share of images for validation",
            "float",
            0.2,
            minimum=0,
            maximum=1,
            min_exclusive=True,
            max_exclusive=True,
        ),
        ParamSpec(
            "statuses",
            "Image statuses",
            "dataset exports: train on images with these statuses",
            "choice",
            ("done",),
            choices=IMAGE_STATUSES,
            repeated=True,
        ),
        ParamSpec(
            "patience",
            "Patience",
            "stop after this many epochs without improvement",
            "int",
            0,
            minimum=0,
            maximum=10_000,
            specials=((0, "Ultralytics' default (100)"),),
        ),
    ),
)
