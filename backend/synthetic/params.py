"""Parameters of the two synthetic generators, and their validation.

Validation normalises as well as checks: a zero ``size`` or ``max_degradations`` (a proto3 field left unset)
means the default, names are trimmed, and an empty selection means "all". Every error names its field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from backend.synthetic.degradations import DEGRADATIONS
from omni_core.errors import InvalidArgument, shown
from omni_core.jobkinds import SYNTH_DETECTION, SYNTH_RESTORATION
from omni_core.jobkinds.checks import check
from omni_core.jobkinds.synthetic import DEFAULT_CLASSES, MAX_COUNT, MAX_SIZE, MIN_SIZE

__all__ = ["DEFAULT_CLASSES", "MAX_COUNT", "MAX_SIZE", "MIN_SIZE"]  # read from here by DescribeSynthetic

MAX_CLASSES = 1000
DEFAULT_RESTORATION_SIZE = SYNTH_RESTORATION["size"].int_default
DEFAULT_DETECTION_SIZE = SYNTH_DETECTION["size"].int_default
DEFAULT_MAX_DEGRADATIONS = SYNTH_RESTORATION["max_degradations"].int_default
DEFAULT_MAX_OBJECTS = SYNTH_DETECTION["max_objects"].int_default
DEFAULT_COUNT_PER_IMAGE = SYNTH_RESTORATION["count_per_image"].int_default
DEFAULT_DOMAIN = SYNTH_RESTORATION["domain"].str_default


@dataclass(frozen=True)
class SynthRestorationParams:
    count: int
    out: str  # output folder, resolved by the caller
    size: int = DEFAULT_RESTORATION_SIZE
    degradations: tuple[str, ...] = ()  # empty = all known
    seed: int = 0
    max_degradations: int = DEFAULT_MAX_DEGRADATIONS  # each pair gets 1..max_degradations of the chosen ones
    # -- pairs from the user's own clean images (``source`` set): size, degradations and max_degradations
    # do not apply; the domain's preset (backend.synthetic.realistic.presets) degrades each image
    source: str = ""  # folder of clean images, resolved by the caller; "" = render documents
    domain: str = ""  # photo | document; "" = photo
    count_per_image: int = 0  # pairs drawn from each image, 0 = 1
    crop: int = 0  # side of a random square crop per pair (smaller images whole), 0 = the whole image


@dataclass(frozen=True)
class SynthDetectionParams:
    count: int
    out: str
    classes: tuple[str, ...] = ()  # empty = DEFAULT_CLASSES
    size: int = DEFAULT_DETECTION_SIZE
    val_fraction: float = 0.2  # 0 <= x < 1; at least one val image when count >= 2 and x > 0
    seed: int = 0
    max_objects: int = DEFAULT_MAX_OBJECTS


def validate_restoration(p: SynthRestorationParams) -> SynthRestorationParams:
    """Return ``p`` normalised, or raise InvalidArgument naming the first wrong field."""
    if not isinstance(p.source, str):
        raise InvalidArgument("source", f"must be a folder path, got {shown(p.source)}")
    if p.source.strip():
        return _validate_from_images(p)
    for name, value in (("domain", p.domain), ("count_per_image", p.count_per_image), ("crop", p.crop)):
        if value:
            raise InvalidArgument(name, "applies to pairs made from your own images; give a source folder too")
    if p.count == 0:
        raise InvalidArgument(
            "count", f"must be between 1 and {MAX_COUNT}, got 0 (or give a source folder of your own images)"
        )
    known = tuple(DEGRADATIONS)
    names = _lowered_unique(_names(p.degradations, "degradations"))
    unknown = [name for name in names if name not in DEGRADATIONS]
    if unknown:
        raise InvalidArgument(
            "degradations", f"unknown degradation {shown(unknown[0])}; known degradations: {', '.join(known)}"
        )
    # canonical (application) order, so the same set always gives the same pairs
    chosen = tuple(name for name in known if name in names) if names else known
    max_degradations = _int(p.max_degradations, "max_degradations") or DEFAULT_MAX_DEGRADATIONS
    _check_range(max_degradations, "max_degradations", SYNTH_RESTORATION["max_degradations"].int_min, len(known))
    return dataclasses.replace(
        p,
        count=_count(p.count),
        out=_out(p.out),
        size=_size(p.size, DEFAULT_RESTORATION_SIZE),
        degradations=chosen,
        seed=_seed(p.seed),
        max_degradations=max_degradations,
    )


def _validate_from_images(p: SynthRestorationParams) -> SynthRestorationParams:
    """Pairs from a folder of clean images: ``count`` 0 = every image, else at most that many pairs."""
    domain = p.domain.strip().lower() if isinstance(p.domain, str) else p.domain
    if not isinstance(domain, str):
        raise InvalidArgument("domain", f"must be text, got {shown(p.domain)}")
    per_image = _int(p.count_per_image, "count_per_image") or DEFAULT_COUNT_PER_IMAGE
    # count 0 = every image: the table's special value of count
    crop = _int(p.crop, "crop")
    values = dataclasses.replace(p, domain=domain or DEFAULT_DOMAIN, count_per_image=per_image, crop=crop)
    check(SYNTH_RESTORATION, values, "domain", "count_per_image", "crop", "count")
    domain, crop, count = values.domain, values.crop, values.count
    return dataclasses.replace(
        p,
        count=count,
        out=_out(p.out),
        size=0,
        degradations=(),
        seed=_seed(p.seed),
        max_degradations=0,
        source=p.source,
        domain=domain,
        count_per_image=per_image,
        crop=crop,
    )


def validate_detection(p: SynthDetectionParams) -> SynthDetectionParams:
    """Return ``p`` normalised, or raise InvalidArgument naming the first wrong field."""
    classes = tuple(name.strip() for name in _names(p.classes, "classes")) or DEFAULT_CLASSES
    if len(classes) > MAX_CLASSES:
        raise InvalidArgument("classes", f"at most {MAX_CLASSES} classes, got {len(classes)}")
    seen: set[str] = set()
    for name in classes:
        if not name:
            raise InvalidArgument("classes", "class names must not be empty")
        if any(ch.isspace() for ch in name) or ":" in name:
            raise InvalidArgument("classes", f"class name {shown(name)} must not contain whitespace or ':'")
        if name in seen:
            raise InvalidArgument("classes", f"class {shown(name)} is listed twice; class names must be unique")
        seen.add(name)
    val_fraction = p.val_fraction
    check(SYNTH_DETECTION, p, "val_fraction")
    max_objects = _int(p.max_objects, "max_objects") or DEFAULT_MAX_OBJECTS
    check(SYNTH_DETECTION, dataclasses.replace(p, max_objects=max_objects), "max_objects")
    return dataclasses.replace(
        p,
        count=_count(p.count),
        out=_out(p.out),
        classes=classes,
        size=_size(p.size, DEFAULT_DETECTION_SIZE),
        val_fraction=float(val_fraction),
        seed=_seed(p.seed),
        max_objects=max_objects,
    )


def fingerprint(p: SynthRestorationParams | SynthDetectionParams) -> dict[str, Any]:
    """The parameters that decide what each sample looks like (not ``out``; ``count`` may grow on resume)."""
    data = dataclasses.asdict(p)
    data.pop("out")
    data.pop("count")
    if isinstance(p, SynthRestorationParams) and not p.source:
        for name in ("source", "domain", "count_per_image", "crop"):  # as before these existed
            data.pop(name)
    return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}


# -- helpers ----------------------------------------------------------------------------------------


def _int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(field, f"must be a whole number, got {value!r}")
    return value


def _check_range(value: int, field: str, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidArgument(field, f"must be between {low} and {high}, got {value}")


def _checked(value: int, field: str) -> int:
    """``value`` within the described range of ``field`` (the same for both generators), specials aside."""
    spec = SYNTH_DETECTION[field]
    _check_range(value, field, spec.int_min, spec.int_max)
    return value


def _count(value: object) -> int:
    return _checked(_int(value, "count"), "count")


def _size(value: object, default: int) -> int:
    return _checked(_int(value, "size") or default, "size")


def _seed(value: object) -> int:
    return _checked(_int(value, "seed"), "seed")


def _out(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument("out", "an output folder is required")
    return value


def _names(value: object, field: str) -> tuple[str, ...]:
    """A tuple of names from a tuple/list, or from one comma-separated string (as a CLI passes it)."""
    if isinstance(value, str):
        return tuple(part for part in value.split(",") if part.strip())
    if not isinstance(value, Iterable):
        raise InvalidArgument(field, f"must be a list of names, got {shown(value)}")
    names = tuple(value)
    for name in names:
        if not isinstance(name, str):
            raise InvalidArgument(field, f"names must be strings, got {shown(name)}")
    return names


def _lowered_unique(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name.strip().lower() for name in names if name.strip()))
