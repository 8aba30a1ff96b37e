"""The "New synthetic data" form: its fields, client-side checks that mirror the server's, and the JobSpec.

The checks only save a round trip; the server checks again and its INVALID_ARGUMENT's field violations
are mapped back onto the same field names by ``apply_server_error``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from desktop.models.events import Event
from desktop.models.form_errors import FormErrors, FormInvalid
from omni_core.datasets.names import DEFAULT_CLASSES
from protos.omni.v1 import jobs_pb2, synthetic_pb2

Kind = Literal["restoration", "detection"]
KINDS: tuple[Kind, ...] = ("restoration", "detection")

# The server's limits (backend/synthetic/params.py); DescribeSynthetic overrides those it reports.
MIN_SIZE, MAX_SIZE, MAX_COUNT = 64, 4096, 1_000_000
MAX_SEED = 2**63 - 1
MAX_CLASSES = 1000
MAX_OBJECTS = 50
# The realistic degradation presets (backend/synthetic/realistic/presets.py), the first the default;
# DescribeSynthetic's ``domains`` replaces them
DOMAINS = ("photo", "document")
MAX_COUNT_PER_IMAGE, MIN_CROP = 1000, 16


@dataclass
class RestorationFields:
    count: int = 1000
    out: str = ""
    size: int = 256
    degradations: list[str] = field(default_factory=list)  # chosen names; all once described
    max_degradations: int = 3
    seed: int = 0
    # pairs from the user's own clean images (``source`` set): count 0 = all; size and degradations unused
    source: str = ""
    domain: str = DOMAINS[0]
    count_per_image: int = 1
    crop: int = 0  # 0 = whole images


@dataclass
class DetectionFields:
    count: int = 500
    out: str = ""
    size: int = 640
    classes: str = ", ".join(DEFAULT_CLASSES)  # comma-separated, as typed
    val_fraction: float = 0.2
    seed: int = 0
    max_objects: int = 6


@dataclass(frozen=True)
class Degradation:
    name: str
    description: str


def default_out(kind: Kind, now: dt.datetime | None = None) -> str:
    """A fresh folder name, relative, so it lands in the backend's workspace under synthetic-data/."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"synthetic-data/{kind}-{stamp}"


def parse_classes(text: str) -> list[str]:
    """Comma-separated class names; blanks between commas are dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]


class SynthFormModel(FormErrors):
    def __init__(self) -> None:
        super().__init__()
        self.kind: Kind = "restoration"
        self.restoration = RestorationFields(out=default_out("restoration"))
        self.detection = DetectionFields(out=default_out("detection"))
        self.known_degradations: list[Degradation] = []
        self.default_classes: list[str] = list(DEFAULT_CLASSES)
        self.min_size, self.max_size, self.max_count = MIN_SIZE, MAX_SIZE, MAX_COUNT
        self.domains: tuple[str, ...] = DOMAINS
        self.described = False
        self.changed: Event[[]] = Event()  # a value changed (or several, e.g. after describe)

    # -- values ---------------------------------------------------------------------------------------

    @property
    def fields(self) -> RestorationFields | DetectionFields:
        return self.fields_of(self.kind)

    def set_kind(self, kind: Kind) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if kind != self.kind:
            self.kind = kind
            self._set_errors({}, "")
            self.changed.emit()

    def set(self, name: str, value: Any, *, kind: Kind | None = None) -> None:
        """Set a field of ``kind`` (default: the current kind); its error goes away until the next check."""
        self._set_field(self.fields if kind is None else self.fields_of(kind), name, value)

    def fields_of(self, kind: Kind) -> RestorationFields | DetectionFields:
        return self.restoration if kind == "restoration" else self.detection

    def set_degradation(self, name: str, chosen: bool) -> None:
        """Tick or untick one degradation (of the restoration form), keeping the described order."""
        current = set(self.restoration.degradations)
        if chosen:
            current.add(name)
        else:
            current.discard(name)
        order = [d.name for d in self.known_degradations] or [*self.restoration.degradations, name]
        self._set_field(self.restoration, "degradations", [n for n in dict.fromkeys(order) if n in current])

    def _set_field(self, fields: RestorationFields | DetectionFields, name: str, value: Any) -> None:
        if name not in {f.name for f in dataclasses.fields(fields)}:
            raise KeyError(f"{type(fields).__name__} has no field {name!r}")
        if getattr(fields, name) == value:
            return
        setattr(fields, name, list(value) if isinstance(value, list | tuple) else value)
        if fields is self.fields:
            self._clear_error(name)
        self.changed.emit()

    def set_description(self, description: synthetic_pb2.DescribeSyntheticResponse) -> None:
        """What the backend offers: the degradations to choose from (all chosen at first) and the limits."""
        self.known_degradations = [Degradation(d.name, d.description) for d in description.degradations]
        known = [d.name for d in self.known_degradations]
        chosen = [name for name in known if name in self.restoration.degradations]
        self.restoration.degradations = chosen or known
        self.min_size = description.min_size or MIN_SIZE
        self.max_size = description.max_size or MAX_SIZE
        self.max_count = description.max_count or MAX_COUNT
        if description.default_classes:
            self.default_classes = list(description.default_classes)
        if description.domains:
            self.domains = tuple(description.domains)
            if self.restoration.domain not in self.domains:
                self.restoration.domain = self.domains[0]
        self.described = True
        self.changed.emit()

    def class_names(self) -> list[str]:
        """The detection classes in label order (an empty field means the backend's defaults)."""
        return parse_classes(self.detection.classes) or list(self.default_classes)

    def renew_out(self) -> None:
        """After a submit: a fresh default folder, so the next submit does not hit a used one."""
        self.set("out", default_out(self.kind))

    # -- validation -----------------------------------------------------------------------------------

    def validate(self) -> dict[str, str]:
        """Check the current kind's fields; store and return the errors (empty when all is well)."""
        errors = self._check_restoration() if self.kind == "restoration" else self._check_detection()
        self._set_errors(errors, "")
        return errors

    def _check_common(self, fields: RestorationFields | DetectionFields) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.min_size <= fields.size <= self.max_size:
            errors["size"] = f"must be between {self.min_size} and {self.max_size}, got {fields.size}"
        if not 1 <= fields.count <= self.max_count:
            errors["count"] = f"must be between 1 and {self.max_count}, got {fields.count}"
        if not fields.out.strip():
            errors["out"] = "an output folder is required"
        if not 0 <= fields.seed <= MAX_SEED:
            errors["seed"] = f"must be between 0 and {MAX_SEED}, got {fields.seed}"
        return errors

    def from_images(self) -> bool:
        """Pairs from the user's own images rather than rendered documents."""
        return bool(self.restoration.source.strip())

    def _check_from_images(self) -> dict[str, str]:
        fields = self.restoration
        errors = {k: v for k, v in self._check_common(fields).items() if k not in ("size", "count")}
        if not 0 <= fields.count <= self.max_count:
            errors["count"] = f"must be between 0 (every image) and {self.max_count}, got {fields.count}"
        if fields.domain not in self.domains:
            errors["domain"] = f"unknown domain {fields.domain!r}; choose one of {', '.join(self.domains)}"
        if not 1 <= fields.count_per_image <= MAX_COUNT_PER_IMAGE:
            errors["count_per_image"] = f"must be between 1 and {MAX_COUNT_PER_IMAGE}, got {fields.count_per_image}"
        if fields.crop and not MIN_CROP <= fields.crop <= self.max_size:
            errors["crop"] = f"must be 0 (whole images) or between {MIN_CROP} and {self.max_size}, got {fields.crop}"
        return errors

    def _check_restoration(self) -> dict[str, str]:
        if self.from_images():
            return self._check_from_images()
        fields = self.restoration
        errors = self._check_common(fields)
        if self.known_degradations:
            known = [d.name for d in self.known_degradations]
            unknown = [name for name in fields.degradations if name not in known]
            if unknown:
                errors["degradations"] = (
                    f"unknown degradation {unknown[0]!r}; known degradations: {', '.join(known)}"
                )
            elif not fields.degradations:
                errors["degradations"] = "choose at least one degradation"
            high = len(known)
        else:
            high = max(1, len(fields.degradations)) if fields.degradations else 1 << 30
        if not 1 <= fields.max_degradations <= high:
            errors["max_degradations"] = f"must be between 1 and {high}, got {fields.max_degradations}"
        return errors

    def _check_detection(self) -> dict[str, str]:
        fields = self.detection
        errors = self._check_common(fields)
        classes = parse_classes(fields.classes)
        seen: set[str] = set()
        for name in classes:
            if any(ch.isspace() for ch in name) or ":" in name:
                errors["classes"] = f"class name {name!r} must not contain whitespace or ':'"
                break
            if name in seen:
                errors["classes"] = f"class {name!r} is listed twice; class names must be unique"
                break
            seen.add(name)
        else:
            if len(classes) > MAX_CLASSES:
                errors["classes"] = f"at most {MAX_CLASSES} classes, got {len(classes)}"
        if math.isnan(fields.val_fraction) or not 0.0 <= fields.val_fraction < 1.0:
            errors["val_fraction"] = f"must be in [0, 1), got {fields.val_fraction}"
        if not 1 <= fields.max_objects <= MAX_OBJECTS:
            errors["max_objects"] = f"must be between 1 and {MAX_OBJECTS}, got {fields.max_objects}"
        return errors

    def field_names(self) -> frozenset[str]:
        """The fields of the current kind (errors are about the form on screen)."""
        return frozenset(f.name for f in dataclasses.fields(self.fields))

    def spec_prefix(self) -> str:
        return f"synth_{self.kind}."

    # -- protobuf -------------------------------------------------------------------------------------

    def restoration_spec(self) -> synthetic_pb2.SynthRestorationSpec:
        f = self.restoration
        if self.from_images():
            return synthetic_pb2.SynthRestorationSpec(
                count=f.count,
                out=f.out.strip(),
                seed=f.seed,
                source=f.source.strip(),
                domain=f.domain,
                count_per_image=f.count_per_image,
                crop=f.crop,
            )
        return synthetic_pb2.SynthRestorationSpec(
            count=f.count,
            out=f.out.strip(),
            size=f.size,
            degradations=f.degradations,
            seed=f.seed,
            max_degradations=f.max_degradations,
        )

    def detection_spec(self) -> synthetic_pb2.SynthDetectionSpec:
        f = self.detection
        return synthetic_pb2.SynthDetectionSpec(
            count=f.count,
            out=f.out.strip(),
            classes=parse_classes(f.classes),
            size=f.size,
            val_fraction=f.val_fraction,
            seed=f.seed,
            max_objects=f.max_objects,
        )

    def job_spec(self) -> jobs_pb2.JobSpec:
        """The JobSpec to submit; raises FormInvalid (and shows the errors) if a field is wrong."""
        errors = self.validate()
        if errors:
            raise FormInvalid(errors)
        if self.kind == "restoration":
            return jobs_pb2.JobSpec(synth_restoration=self.restoration_spec())
        return jobs_pb2.JobSpec(synth_detection=self.detection_spec())
