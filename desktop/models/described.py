"""A backend's ``DescribeJobKinds`` answer as ``omni_core.jobkinds`` specs, so the forms check with the same code
the backend runs and with the numbers that backend sent (a remote one may differ from this client's table)."""

from __future__ import annotations

from omni_core.jobkinds import JobKind, ParamSpec
from omni_core.jobkinds.spec import Default, ParamType, Scalar
from protos.omni.v1 import jobs_pb2

TYPES: dict[int, ParamType] = {
    jobs_pb2.PARAMETER_TYPE_INT: "int",
    jobs_pb2.PARAMETER_TYPE_FLOAT: "float",
    jobs_pb2.PARAMETER_TYPE_BOOL: "bool",
    jobs_pb2.PARAMETER_TYPE_STRING: "string",
    jobs_pb2.PARAMETER_TYPE_CHOICE: "choice",
}


def value_from_proto(value: jobs_pb2.ParameterValue) -> Default | None:
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "string_list":
        return tuple(value.string_list.values)
    result: Scalar = getattr(value, which)
    return result


def param_from_proto(message: jobs_pb2.ParameterSpec) -> ParamSpec:
    def bound(field: str) -> int | float | None:
        value = value_from_proto(getattr(message, field)) if message.HasField(field) else None
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    default = value_from_proto(message.default_value)
    specials = tuple(
        (value, special.meaning)
        for special in message.specials
        if (value := value_from_proto(special.value)) is not None and not isinstance(value, tuple)
    )
    return ParamSpec(
        name=message.name,
        label=message.label,
        help=message.help,
        type=TYPES.get(message.type, "string"),
        default="" if default is None else default,
        minimum=bound("minimum"),
        maximum=bound("maximum"),
        min_exclusive=message.minimum_exclusive,
        max_exclusive=message.maximum_exclusive,
        choices=tuple(message.choices),
        specials=specials,
        suggestions=tuple(message.suggestions),
        unit=message.unit,
        multiple_of=message.multiple_of,
        repeated=message.repeated,
    )


def kind_from_proto(message: jobs_pb2.JobKindDescription) -> JobKind:
    return JobKind(
        name=message.kind,
        label=message.label,
        message=message.spec_message,
        params=tuple(param_from_proto(param) for param in message.parameters),
        internal=tuple((name, "") for name in message.internal_fields),
    )


def spin_range(param: ParamSpec, *, step: float = 1, fallback_max: int = 2**31 - 1) -> tuple[float, float, str]:
    """A spin box's (minimum, maximum, text shown at the minimum) for ``param``: an exclusive bound moves in by
    ``step``; a special below the range widens it downwards (a spin box shows one special, at its minimum); no
    maximum gives ``fallback_max``."""
    low = (param.minimum if param.minimum is not None else 0) + (step if param.min_exclusive else 0)
    high = (param.maximum if param.maximum is not None else fallback_max) - (step if param.max_exclusive else 0)
    numbers = [v for v, _ in param.specials if isinstance(v, int | float) and not isinstance(v, bool)]
    low = min([low, *numbers])
    special = next((meaning for value, meaning in param.specials if value == low), "")
    return low, high, special
