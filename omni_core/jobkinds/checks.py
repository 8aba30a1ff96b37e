"""Applying ``omni_core.jobkinds``: defaults for unset fields and the table's checks, raised as
``InvalidArgument`` naming the field, so the params modules keep no numbers of their own."""

from __future__ import annotations

from typing import Any

from omni_core.errors import InvalidArgument
from omni_core.jobkinds import JobKind


def check(kind: JobKind, values: object, *names: str) -> None:
    """Each named field of ``values`` against its spec; the first refused raises InvalidArgument naming it."""
    for name in names:
        problem = kind.problem(name, getattr(values, name))
        if problem:
            raise InvalidArgument(name, problem)


def or_default(kind: JobKind, name: str, value: Any) -> Any:
    """``value``, or the described default when it is unset (proto3 sends 0 / "" for "not given")."""
    return value if value else kind[name].default
