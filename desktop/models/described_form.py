"""The base of the job forms whose fields follow a described job kind (Train, Detection, Batch): the fields are a
dataclass made from the kind (this client's ``omni_core.jobkinds`` table until the backend's description
arrives); the user's edits are remembered, so a new description changes the defaults of the fields nobody
edited and keeps the rest."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from typing import Any, Generic, TypeVar

from desktop.models.events import Event
from desktop.models.form_errors import FormErrors
from omni_core.jobkinds import JobKind

Fields = TypeVar("Fields")


class DescribedForm(FormErrors, Generic[Fields]):
    def __init__(self, kind: JobKind, fields_of: Callable[[JobKind], Fields]) -> None:
        super().__init__()
        self.kind = kind
        self._fields_of = fields_of
        self.fields = fields_of(kind)
        self._edited: set[str] = set()
        self.changed: Event[[]] = Event()

    def described_fields(self) -> Collection[str]:
        """The fields whose defaults a description sets (all by default)."""
        return self.field_names()

    def set_description(self, kind: JobKind) -> None:
        """The backend's parameters: its limits and choices hold from now on; fields not edited take its defaults."""
        self.kind = kind
        described = self._fields_of(kind)
        for name in self.described_fields():
            if name not in self._edited:
                setattr(self.fields, name, getattr(described, name))
        self._on_described()
        self.changed.emit()

    def _on_described(self) -> None:
        """Called after a description is applied, before ``changed``."""

    def set(self, name: str, value: Any) -> None:
        """Set one field; its error goes away until the next check."""
        if name not in self.field_names():
            raise KeyError(f"{type(self.fields).__name__} has no field {name!r}")
        current = getattr(self.fields, name)
        if current == value or _both_nan(current, value):
            return
        setattr(self.fields, name, value)
        self._edited.add(name)
        self._clear_error(name)
        self.changed.emit()


def _both_nan(a: Any, b: Any) -> bool:
    """An empty number box is NaN, and NaN != NaN: setting it again is no change."""
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
