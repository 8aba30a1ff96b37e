"""argparse options built from a job kind's described parameters (``omni_core.jobkinds``): the default, the
choices and the range come from the one table, show in ``--help``, and a value outside them is refused with the
option's name before anything is sent."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from omni_core.jobkinds import JobKind, ParamSpec

_UNSET: Any = object()


def shown_default(param: ParamSpec) -> str:
    default = param.default
    if isinstance(default, tuple):
        return ",".join(default) or "none"
    for value, meaning in param.specials:
        if value == default and type(value) is type(default):
            return f"{default} ({meaning})" if not isinstance(default, str) else meaning
    return str(default) if default != "" else "none"


def help_text(param: ParamSpec, *, extra: str = "", default: bool = True) -> str:
    """The spec's help, with its unit, range and default; ``%`` escaped for argparse."""
    parts = [param.help + (f" ({param.unit})" if param.unit and param.unit not in param.help else "")]
    if extra:
        parts.append(extra)
    if param.type in ("int", "float") and (param.minimum is not None or param.maximum is not None):
        parts.append(param.range_text())
    if default and param.type != "bool":
        parts.append(f"default {shown_default(param)}")
    return "; ".join(parts).replace("%", "%%")


def checker(param: ParamSpec, normalise: Callable[[str], str] = str.strip) -> Callable[[str], Any]:
    """An argparse ``type`` that parses the text as the spec's type and refuses what its check refuses."""

    def parse(text: str) -> Any:
        value: Any
        try:
            value = int(text) if param.type == "int" else float(text) if param.type == "float" else normalise(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a {'whole number' if param.type == 'int' else 'number'}, got {text!r}"
            ) from None
        problem = param.problem(value)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    parse.__name__ = param.type  # argparse names the type in some errors
    return parse


def add_param(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    kind: JobKind,
    name: str,
    *,
    flag: str = "",
    dest: str = "",
    extra: str = "",
    default: Any = _UNSET,
    checked: bool = True,
    normalise: Callable[[str], str] = str.strip,
) -> None:
    """``--name`` (or ``flag``) for ``kind``'s parameter ``name``; ``checked=False`` leaves the range to the
    backend (a range that depends on other options); ``default`` overrides the described one (e.g. ``None`` for
    "not given")."""
    param = kind[name]
    option = flag or f"--{name.replace('_', '-')}"
    extra_args: dict[str, Any] = {"dest": dest or name}
    if param.type == "bool":
        parser.add_argument(option, action="store_true", help=help_text(param, extra=extra), **extra_args)
        return
    if param.type == "choice":
        extra_args["metavar"] = "{" + ",".join(param.choices) + "}"
    if checked and param.type in ("int", "float", "choice"):
        extra_args["type"] = checker(param, normalise)
    elif param.type == "int":
        extra_args["type"] = int
    elif param.type == "float":
        extra_args["type"] = float
    value = param.default if default is _UNSET else default
    parser.add_argument(option, default=value, help=help_text(param, extra=extra), **extra_args)
