"""The "New synthetic data" form: its fields, client-side checks that mirror the server's, and the JobSpec.

Defaults and limits are the backend's described parameters (``set_parameters``, from DescribeJobKinds; this
client's ``omni_core.jobkinds`` table until they arrive), checked with the table's own code. The checks only save
a round trip; the server checks again and its INVALID_ARGUMENT's field violations
are mapped back onto the same field names by ``apply_server_error``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from desktop.models.events import Event
from desktop.models.form_errors import FormErrors, FormInvalid
from omni_core.jobkinds import SYNTH_DETECTION, SYNTH_RESTORATION, JobKind
from protos.omni.v1 import jobs_pb2, synthetic_pb2

Kind = Literal["restoration", "detection"]
KINDS: tuple[Kind, ...] = ("restoration", "detection")
JOB_KINDS: dict[Kind, str] = {"restoration": "synth_restoration", "detection": "synth_detection"}


def _defaults(kind: JobKind, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: kind[name].default for name in names if name in kind.names()}


@dataclass
class RestorationFields:
    count: int = 0
    out: str = ""
    size: int = 0
    degradations: list[str] = field(default_factory=list)  # chosen names; all once described
    max_degradations: int = 0
    seed: int = 0
    # pairs from the user's own clean images (``source`` set): count 0 = all; size and degradations unused
    source: str = ""
    domain: str = ""
    count_per_image: int = 0
    crop: int = 0  # 0 = whole images

    @classmethod
    def of(cls, kind: JobKind, out: str) -> RestorationFields:
        names = ("count", "size", "max_degradations", "seed", "domain", "count_per_image", "crop")
        return cls(out=out, **_defaults(kind, names))


@dataclass
class DetectionFields:
    count: int = 0
    out: str = ""
    size: int = 0
    classes: str = ""  # comma-separated, as typed
    val_fraction: float = 0.0
    seed: int = 0
    max_objects: int = 0

    @classmethod
    def of(cls, kind: JobKind, out: str) -> DetectionFields:
        values: dict[str, Any] = _defaults(kind, ("count", "size", "val_fraction", "seed", "max_objects"))
        return cls(out=out, classes=", ".join(kind["classes"].list_default), **values)


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
        # this client's table until the backend's DescribeJobKinds answer arrives (set_parameters)
        self.parameters: dict[Kind, JobKind] = {"restoration": SYNTH_RESTORATION, "detection": SYNTH_DETECTION}
        self.restoration = RestorationFields.of(SYNTH_RESTORATION, default_out("restoration"))
        self.detection = DetectionFields.of(SYNTH_DETECTION, default_out("detection"))
        self._edited: set[tuple[Kind, str]] = set()
        self.known_degradations: list[Degradation] = []
        self.default_classes: list[str] = list(SYNTH_DETECTION["classes"].list_default)
        self.described = False
        self.changed: Event[[]] = Event()  # a value changed (or several, e.g. after describe)

    @property
    def domains(self) -> tuple[str, ...]:
        return self.parameters["restoration"]["domain"].choices

    @property
    def min_size(self) -> int:
        return self.parameters[self.kind]["size"].int_min

    @property
    def max_size(self) -> int:
        return self.parameters[self.kind]["size"].int_max

    @property
    def max_count(self) -> int:
        return self.parameters[self.kind]["count"].int_max

    def set_parameters(self, kind: Kind, described: JobKind) -> None:
        """The backend's parameters of ``kind``: its limits hold from now on; fields not edited take its defaults."""
        self.parameters[kind] = described
        fields = self.fields_of(kind)
        fresh: RestorationFields | DetectionFields = (
            RestorationFields.of(described, fields.out)
            if kind == "restoration"
            else DetectionFields.of(described, fields.out)
        )
        for f in dataclasses.fields(fields):
            if (kind, f.name) not in self._edited and f.name not in ("out", "degradations"):
                setattr(fields, f.name, getattr(fresh, f.name))
        self.changed.emit()

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
        self._edited.add(("restoration" if fields is self.restoration else "detection", name))
        if fields is self.fields:
            self._clear_error(name)
        self.changed.emit()

    def set_description(self, description: synthetic_pb2.DescribeSyntheticResponse) -> None:
        """What the backend offers: the degradations to choose from (all chosen at first), the default classes.
        The limits come with ``set_parameters``."""
        self.known_degradations = [Degradation(d.name, d.description) for d in description.degradations]
        known = [d.name for d in self.known_degradations]
        chosen = [name for name in known if name in self.restoration.degradations]
        self.restoration.degradations = chosen or known
        if description.default_classes:
            self.default_classes = list(description.default_classes)
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

    def _problems(self, kind: Kind, fields: RestorationFields | DetectionFields, *names: str) -> dict[str, str]:
        described = self.parameters[kind]
        found = {name: described.problem(name, getattr(fields, name)) for name in names}
        return {name: problem for name, problem in found.items() if problem}

    def _check_common(self, kind: Kind, fields: RestorationFields | DetectionFields) -> dict[str, str]:
        errors = self._problems(kind, fields, "size", "count", "seed")
        if fields.count == 0 and "count" not in errors and kind == "restoration":  # 0 = every image, of a source
            count = self.parameters[kind]["count"]
            errors["count"] = f"must be between {count.minimum} and {count.maximum}, got 0 (or choose your own images)"
        if not fields.out.strip():
            errors["out"] = "an output folder is required"
        return errors

    def from_images(self) -> bool:
        """Pairs from the user's own images rather than rendered documents."""
        return bool(self.restoration.source.strip())

    def _check_from_images(self) -> dict[str, str]:
        fields = self.restoration
        errors = {k: v for k, v in self._check_common("restoration", fields).items() if k not in ("size", "count")}
        errors.update(self._problems("restoration", fields, "count", "domain", "count_per_image", "crop"))
        return errors

    def _check_restoration(self) -> dict[str, str]:
        if self.from_images():
            return self._check_from_images()
        fields = self.restoration
        errors = self._check_common("restoration", fields)
        low = self.parameters["restoration"]["max_degradations"].int_min
        if self.known_degradations:
            known = [d.name for d in self.known_degradations]
            unknown = [name for name in fields.degradations if name not in known]
            if unknown:
                errors["degradations"] = f"unknown degradation {unknown[0]!r}; known degradations: {', '.join(known)}"
            elif not fields.degradations:
                errors["degradations"] = "choose at least one degradation"
            high = len(known)
        else:
            high = max(1, len(fields.degradations)) if fields.degradations else 1 << 30
        if not low <= fields.max_degradations <= high:
            errors["max_degradations"] = f"must be between {low} and {high}, got {fields.max_degradations}"
        return errors

    def _check_detection(self) -> dict[str, str]:
        fields = self.detection
        errors = self._check_common("detection", fields)
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
        errors.update(self._problems("detection", fields, "val_fraction", "max_objects"))
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
