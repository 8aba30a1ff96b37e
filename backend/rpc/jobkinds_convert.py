"""``omni_core.jobkinds`` as ``DescribeJobKindsResponse``: the table the backend checks with, as messages."""

from __future__ import annotations

from collections.abc import Iterable

from omni_core.errors import InvalidArgument, shown
from omni_core.jobkinds import JOB_KINDS, JobKind, ParamSpec
from omni_core.jobkinds.spec import Default
from protos.omni.v1 import jobs_pb2

TYPES = {
    "int": jobs_pb2.PARAMETER_TYPE_INT,
    "float": jobs_pb2.PARAMETER_TYPE_FLOAT,
    "bool": jobs_pb2.PARAMETER_TYPE_BOOL,
    "string": jobs_pb2.PARAMETER_TYPE_STRING,
    "choice": jobs_pb2.PARAMETER_TYPE_CHOICE,
}


def value_to_proto(value: Default, kind: str) -> jobs_pb2.ParameterValue:
    """``value`` as the oneof member of the parameter's type (an int of a float parameter is a float)."""
    if isinstance(value, tuple):
        return jobs_pb2.ParameterValue(string_list=jobs_pb2.StringList(values=value))
    if isinstance(value, bool):
        return jobs_pb2.ParameterValue(bool_value=value)
    if isinstance(value, str):
        return jobs_pb2.ParameterValue(string_value=value)
    if kind == "float":
        return jobs_pb2.ParameterValue(float_value=float(value))
    return jobs_pb2.ParameterValue(int_value=int(value))


def param_to_proto(param: ParamSpec) -> jobs_pb2.ParameterSpec:
    message = jobs_pb2.ParameterSpec(
        name=param.name,
        label=param.label,
        help=param.help,
        type=TYPES[param.type],
        repeated=param.repeated,
        default_value=value_to_proto(param.default, param.type),
        minimum_exclusive=param.min_exclusive,
        maximum_exclusive=param.max_exclusive,
        multiple_of=param.multiple_of,
        choices=param.choices,
        specials=[
            jobs_pb2.SpecialValue(value=value_to_proto(value, param.type), meaning=meaning)
            for value, meaning in param.specials
        ],
        suggestions=param.suggestions,
        unit=param.unit,
    )
    if param.minimum is not None:
        message.minimum.CopyFrom(value_to_proto(param.minimum, param.type))
    if param.maximum is not None:
        message.maximum.CopyFrom(value_to_proto(param.maximum, param.type))
    return message


def kind_to_proto(kind: JobKind) -> jobs_pb2.JobKindDescription:
    return jobs_pb2.JobKindDescription(
        kind=kind.name,
        label=kind.label,
        spec_message=kind.message,
        parameters=[param_to_proto(param) for param in kind.params],
        internal_fields=[name for name, _why in kind.internal],
    )


def describe(kinds: Iterable[str] = ()) -> jobs_pb2.DescribeJobKindsResponse:
    """The asked kinds (all when none), in the table's order; an unknown kind names the ``kinds`` field."""
    asked = list(kinds)
    for name in asked:
        if name not in JOB_KINDS:
            raise InvalidArgument("kinds", f"unknown job kind {shown(name)}; described: {', '.join(JOB_KINDS)}")
    chosen = [kind for name, kind in JOB_KINDS.items() if not asked or name in asked]
    return jobs_pb2.DescribeJobKindsResponse(kinds=[kind_to_proto(kind) for kind in chosen])
