"""Synthetic data jobs: ``synth_restoration`` (SynthRestorationSpec) and ``synth_detection`` (SynthDetectionSpec)."""

from __future__ import annotations

from omni_core.jobkinds.common import domain, folder, seed
from omni_core.jobkinds.spec import JobKind, ParamSpec

MAX_COUNT = 1_000_000
MIN_SIZE, MAX_SIZE = 64, 4096
DEFAULT_CLASSES = ("dent", "dirt", "rust", "scratch", "spoiled", "mold")


def _count(default: int, unit: str, *, from_images: bool = False) -> ParamSpec:
    specials = ((0, "every image (with source)"),) if from_images else ()
    return ParamSpec(
        "count", "Count", f"{unit} to write", "int", default, minimum=1, maximum=MAX_COUNT, specials=specials, unit=unit
    )


def _size(default: int) -> ParamSpec:
    return ParamSpec(
        "size", "Image size", "side of the square images", "int", default, minimum=MIN_SIZE, maximum=MAX_SIZE, unit="px"
    )


def _out() -> ParamSpec:
    return folder("out", "Output folder", "new or empty; a relative path is inside the backend's workspace")


SYNTH_RESTORATION = JobKind(
    "synth_restoration",
    "Synthetic restoration pairs",
    "omni.v1.SynthRestorationSpec",
    (
        _count(1000, "pairs", from_images=True),
        _out(),
        _size(256),
        ParamSpec(
            "degradations", "Degradations", "names from DescribeSynthetic; empty = all", "string", (), repeated=True
        ),
        seed("the same seed and parameters give the same data"),
        # at most the number of degradations the backend knows (DescribeSynthetic lists them)
        ParamSpec(
            "max_degradations",
            "Max per pair",
            "each pair gets 1 to this many of the chosen degradations",
            "int",
            3,
            minimum=1,
        ),
        folder("source", "Your images", "folder of clean photos or scans to degrade into pairs (instead of rendering)"),
        domain("the realistic degradation preset for your own images"),
        ParamSpec(
            "count_per_image",
            "Pairs per image",
            "pairs drawn from each of your images",
            "int",
            1,
            minimum=1,
            maximum=1000,
        ),
        ParamSpec(
            "crop",
            "Crop",
            "side of a random square crop per pair (smaller images whole)",
            "int",
            0,
            minimum=16,
            maximum=MAX_SIZE,
            specials=((0, "whole image"),),
            unit="px",
        ),
    ),
)

SYNTH_DETECTION = JobKind(
    "synth_detection",
    "Synthetic detection scenes",
    "omni.v1.SynthDetectionSpec",
    (
        _count(500, "images"),
        _out(),
        ParamSpec("classes", "Classes", "class names in label order", "string", DEFAULT_CLASSES, repeated=True),
        _size(640),
        ParamSpec(
            "val_fraction",
            "Validation share",
            "share of images in val/",
            "float",
            0.2,
            minimum=0,
            maximum=1,
            max_exclusive=True,
        ),
        seed("the same seed and parameters give the same data"),
        ParamSpec("max_objects", "Max objects", "objects per image at most", "int", 6, minimum=1, maximum=50),
    ),
)
