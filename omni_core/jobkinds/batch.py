"""Batch jobs over a folder: ``detect_batch`` (DetectBatchSpec) and ``restore_batch`` (RestoreBatchSpec)."""

from __future__ import annotations

from omni_core.jobkinds.common import flag, folder, require_provider
from omni_core.jobkinds.spec import INT32_MAX, JobKind, ParamSpec
from omni_core.precision import AUTO, PRECISIONS
from omni_core.tiers import TIERS

CURRENT = "current"

DETECT_BATCH = JobKind(
    "detect_batch",
    "Detect a folder",
    "omni.v1.DetectBatchSpec",
    (
        folder("input", "Input folder", "folder of images"),
        folder("out", "Output folder", "created if missing; not the input folder"),
        ParamSpec(
            "model", "Model", "a detector version, or current (the promoted one, else the newest)", "string", CURRENT
        ),
        ParamSpec(
            "conf",
            "Confidence",
            "confidence threshold",
            "float",
            0.25,
            minimum=0,
            maximum=1,
            min_exclusive=True,
            max_exclusive=True,
        ),
        ParamSpec("iou", "IoU", "NMS IoU threshold", "float", 0.7, minimum=0, maximum=1, min_exclusive=True),
        flag("recursive", "Recursive", "also detect the images of subfolders"),
        flag("overwrite", "Overwrite", "redo images already done (default: resume)"),
        require_provider(),
        ParamSpec("max_det", "Max boxes", "at most this many boxes per image", "int", 300, minimum=1, maximum=10_000),
    ),
)

#: output formats of a batch restoration (omni_core/batch/formats.py writes them)
RESTORE_FORMATS = ("same", "png", "jpg", "webp")

RESTORE_BATCH = JobKind(
    "restore_batch",
    "Restore a folder",
    "omni.v1.RestoreBatchSpec",
    (
        folder("input", "Input folder", "folder of images (PNG, JPEG, TIFF, WebP, BMP)"),
        folder("out", "Output folder", "created if missing; mirrors the input's folders"),
        ParamSpec(
            "model",
            "Model",
            "a restoration version, or current (the promoted one of the layer, else the newest)",
            "string",
            CURRENT,
        ),
        ParamSpec(
            "layer",
            "Layer",
            "the layer of current",
            "int",
            0,
            minimum=1,
            maximum=2,
            specials=((0, "2 with current, else the version's layer"),),
        ),
        flag("recursive", "Recursive", "also restore the images of subfolders"),
        ParamSpec(
            "tile",
            "Tile",
            "tile side",
            "int",
            0,
            minimum=64,
            maximum=8192,
            unit="px",
            specials=((0, "auto: as large as the device's memory holds"), (-1, "whole images")),
        ),
        ParamSpec(
            "overlap",
            "Overlap",
            "pixels shared by neighbouring tiles, blended; under half the tile",
            "int",
            32,
            minimum=0,
            maximum=INT32_MAX,
            unit="px",
            specials=((-1, "none"),),
        ),
        ParamSpec("format", "Format", "output format", "choice", "same", choices=RESTORE_FORMATS),
        ParamSpec("quality", "Quality", "jpg/webp quality", "int", 95, minimum=1, maximum=100),
        flag("overwrite", "Overwrite", "redo outputs that exist (default: resume)"),
        folder("ref", "References", "folder of clean references: the summary gets PSNR/SSIM before and after"),
        require_provider(),
        ParamSpec(
            "batch_size",
            "Batch size",
            "images (or tiles) per network call",
            "int",
            0,
            minimum=1,
            maximum=64,
            specials=((0, "auto"),),
        ),
        ParamSpec(
            "tier",
            "Tier",
            "the current (promoted) version of this tier, instead of model and layer",
            "choice",
            "",
            choices=TIERS,
            specials=(("", "none: model and layer choose"),),
        ),
        ParamSpec(
            "precision",
            "Precision",
            "which export of the version runs: auto = fp16 on a GPU provider, int8 on a CPU when the version kept "
            "it and it measured faster, else fp32; fp16/int8 need the version to have that variant",
            "choice",
            AUTO,
            choices=PRECISIONS,
        ),
        flag(
            "self_ensemble",
            "Self-ensemble",
            "restore each image in its eight flips and turns and average them: about 8x the time, a little cleaner",
        ),
    ),
)
