from __future__ import annotations

import pytest

from backend.synthetic.degradations import DEGRADATIONS
from backend.synthetic.params import (
    DEFAULT_CLASSES,
    SynthDetectionParams,
    SynthRestorationParams,
    validate_detection,
    validate_restoration,
)
from omni_core.errors import InvalidArgument


def restoration(**changes: object) -> SynthRestorationParams:
    return SynthRestorationParams(**{"count": 10, "out": "/tmp/out", **changes})  # type: ignore[arg-type]


def detection(**changes: object) -> SynthDetectionParams:
    return SynthDetectionParams(**{"count": 10, "out": "/tmp/out", **changes})  # type: ignore[arg-type]


def test_catalogue_has_the_required_degradations() -> None:
    assert {"noise", "blur", "jpeg", "stain", "fade", "shadow"} <= set(DEGRADATIONS)
    assert len(DEGRADATIONS) >= 12
    assert all(description.strip() for description in DEGRADATIONS.values())


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"count": -1}, "count", "between 1 and 1000000"),
        ({"count": 0}, "count", "between 1 and 1000000"),
        ({"count": 1_000_001}, "count", "got 1000001"),
        ({"count": True}, "count", "whole number"),
        ({"size": 63}, "size", "between 64 and 4096"),
        ({"size": 4097}, "size", "between 64 and 4096"),
        ({"out": " "}, "out", "output folder"),
        ({"seed": -5}, "seed", "between 0"),
        ({"max_degradations": -1}, "max_degradations", "between 1"),
        ({"max_degradations": 100}, "max_degradations", "between 1"),
    ],
)
def test_restoration_errors_name_the_field(changes: dict[str, object], field: str, fragment: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_restoration(restoration(**changes))
    assert caught.value.field == field
    assert fragment in caught.value.message


def test_unknown_degradation_lists_the_known_ones() -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_restoration(restoration(degradations=("noise", "smudge")))
    assert caught.value.field == "degradations"
    assert "'smudge'" in caught.value.message
    for name in DEGRADATIONS:
        assert name in caught.value.message


def test_restoration_normalisation() -> None:
    p = validate_restoration(restoration(size=0, max_degradations=0, degradations=(" Noise", "blur", "noise")))
    assert p.size == 256
    assert p.max_degradations == 3
    assert p.degradations == ("blur", "noise")  # deduplicated, lower-cased, in application order
    assert validate_restoration(restoration()).degradations == tuple(DEGRADATIONS)
    assert validate_restoration(restoration(degradations="jpeg, fade")).degradations == ("fade", "jpeg")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"count": -3}, "count", "between 1"),
        ({"size": 32}, "size", "between 64 and 4096"),
        ({"classes": ("rust", "rust")}, "classes", "twice"),
        ({"classes": ("rust", "")}, "classes", "empty"),
        ({"classes": ("big dent",)}, "classes", "whitespace"),
        ({"classes": ("a:b",)}, "classes", "':'"),
        ({"classes": tuple(f"c{i}" for i in range(1001))}, "classes", "at most 1000"),
        ({"val_fraction": 1.0}, "val_fraction", "[0, 1)"),
        ({"val_fraction": -0.1}, "val_fraction", "[0, 1)"),
        ({"val_fraction": float("nan")}, "val_fraction", "number"),
        ({"max_objects": 51}, "max_objects", "between 1 and 50"),
        ({"seed": -1}, "seed", "between 0"),
    ],
)
def test_detection_errors_name_the_field(changes: dict[str, object], field: str, fragment: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        validate_detection(detection(**changes))
    assert caught.value.field == field
    assert fragment in caught.value.message


def test_detection_normalisation() -> None:
    p = validate_detection(detection(size=0, max_objects=0, classes=()))
    assert (p.size, p.max_objects, p.classes) == (640, 6, DEFAULT_CLASSES)
    assert validate_detection(detection(classes=[" Crack", "dent"])).classes == ("Crack", "dent")  # type: ignore[arg-type]
