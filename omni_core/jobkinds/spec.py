"""A job parameter's description (type, default, range, choices) and the one check every side applies.

The backend refuses a value with ``ParamSpec.problem``'s message (as INVALID_ARGUMENT naming the field), the CLI
with the same message naming its option, and the desktop's forms mirror it; none of them repeats the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

ParamType = Literal["int", "float", "bool", "string", "choice"]
Scalar = int | float | bool | str
Default = Scalar | tuple[str, ...]

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


@dataclass(frozen=True)
class ParamSpec:
    """One field of a job kind's spec message, as the backend accepts it.

    ``specials`` are values with a meaning of their own (``0``: auto), accepted even outside
    ``minimum``..``maximum``. A ``repeated`` field's checks apply to each of its values.
    """

    name: str
    label: str
    help: str
    type: ParamType
    default: Default
    minimum: int | float | None = None
    maximum: int | float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    choices: tuple[str, ...] = ()
    specials: tuple[tuple[Scalar, str], ...] = ()
    suggestions: tuple[str, ...] = ()  # common values of a free string (a device, a model)
    unit: str = ""
    multiple_of: int = 0
    repeated: bool = False

    @property
    def int_default(self) -> int:
        assert isinstance(self.default, int) and not isinstance(self.default, bool), self.name
        return self.default

    @property
    def float_default(self) -> float:
        assert isinstance(self.default, int | float) and not isinstance(self.default, bool), self.name
        return float(self.default)

    @property
    def str_default(self) -> str:
        assert isinstance(self.default, str), self.name
        return self.default

    @property
    def list_default(self) -> tuple[str, ...]:
        assert isinstance(self.default, tuple), self.name
        return self.default

    @property
    def int_min(self) -> int:
        assert isinstance(self.minimum, int), self.name
        return self.minimum

    @property
    def int_max(self) -> int:
        assert isinstance(self.maximum, int), self.name
        return self.maximum

    def is_special(self, value: object) -> bool:
        return any(value == special and type(value) is not bool for special, _ in self.specials)

    def range_text(self) -> str:
        """The accepted values in words: ``between 1 and 100`` / ``in (0, 1]`` / ``one of a, b``."""
        if self.type == "choice":
            return f"one of {', '.join(self.choices)}"
        low, high = self.minimum, self.maximum
        if self.min_exclusive or self.max_exclusive:
            text = (
                f"in {'(' if self.min_exclusive else '['}{_number(low) if low is not None else '-inf'}, "
                f"{_number(high) if high is not None else 'inf'}{')' if self.max_exclusive else ']'}"
            )
        elif low is not None and high is not None and self.type == "int" and high - low == 1:
            text = f"{low} or {high}"
        elif low is not None and high is not None:
            text = f"between {_number(low)} and {_number(high)}"
        elif low is not None:
            text = "not negative" if low == 0 else f"at least {_number(low)}"
        elif high is not None:
            text = f"at most {_number(high)}"
        else:
            text = "any number"
        if self.multiple_of:
            text = f"a multiple of {self.multiple_of} {text}"
        if self.specials:
            text += " (" + ", ".join(f"{v if isinstance(v, str) else _number(v)} = {m}" for v, m in self.specials) + ")"
        return text

    def problem(self, value: object) -> str | None:
        """Why ``value`` is refused, in words fit to follow the field's name; None when it is accepted."""
        if self.type == "choice":
            if value in self.choices or self.is_special(value):
                return None
            return f"unknown {self.name.replace('_', ' ')} {value!r}; choose one of {', '.join(self.choices)}"
        if self.type == "bool":
            return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
        if self.type == "string":
            return None if isinstance(value, str) else f"must be text, got {value!r}"
        return self._number_problem(value)

    def _number_problem(self, value: object) -> str | None:
        whole = self.type == "int"
        if isinstance(value, bool) or not isinstance(value, int | float) or (whole and not isinstance(value, int)):
            return f"must be a {'whole number' if whole else 'number'}, got {value!r}"
        if self.is_special(value):
            return None
        if not math.isfinite(value):
            return f"must be a finite number, got {value}"
        low, high = self.minimum, self.maximum
        ok = (
            (low is None or (value > low if self.min_exclusive else value >= low))
            and (high is None or (value < high if self.max_exclusive else value <= high))
            and not (self.multiple_of and int(value) % self.multiple_of)
        )
        return None if ok else f"must be {self.range_text()}, got {_number(value)}"


@dataclass(frozen=True)
class JobKind:
    """A job kind: the ``JobSpec`` field that selects it, its spec message and its described parameters.

    ``internal`` names the spec message's fields deliberately left out of the description, with why.
    """

    name: str  # the JobSpec oneof field, e.g. "train_restoration"
    label: str
    message: str  # the spec message's full proto name, e.g. "omni.v1.TrainRestorationSpec"
    params: tuple[ParamSpec, ...]
    internal: tuple[tuple[str, str], ...] = ()

    def __getitem__(self, name: str) -> ParamSpec:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(f"{self.name} has no parameter {name!r}")

    def names(self) -> tuple[str, ...]:
        return tuple(param.name for param in self.params)

    def problem(self, name: str, value: object) -> str | None:
        """``self[name].problem(value)``, for each value of a repeated field."""
        spec = self[name]
        if spec.repeated and isinstance(value, list | tuple):
            return next((p for p in (spec.problem(item) for item in value) if p), None)
        return spec.problem(value)
