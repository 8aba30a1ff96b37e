"""argparse options built from a job kind's described parameters (``omni_core.jobkinds``): the default, the
choices and the range come from the one table, show in ``--help``, and a value outside them is refused with the
option's name before anything is sent."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from omni_core.jobkinds import JobKind, ParamSpec
from omni_core.jobkinds.spec import Scalar

#: a special value of the spec -> the CLI's spelling of it (``None``: the option left out), e.g. ``omni restore``'s
#: ``--tile 0`` for the spec's -1 (whole images) and no ``--tile`` for its 0 (auto)
Spelling = Mapping[Scalar, Scalar | None]

_UNSET: Any = object()


def lowered(text: str) -> str:
    """A ``normalise`` for choices people type in any case (``--format JPG``)."""
    return text.strip().lower()


def shown_default(param: ParamSpec, spelling: Spelling | None = None) -> str:
    default = param.default
    if isinstance(default, tuple):
        return ",".join(default) or "none"
    spelled = (spelling or {}).get(default, default)
    for value, meaning in param.specials:
        if value == default and type(value) is type(default):
            if spelled is None:  # the CLI's default is the option left out
                return meaning
            return f"{spelled} ({meaning})" if not isinstance(default, str) else meaning
    return str(default) if default != "" else "none"


def help_text(param: ParamSpec, *, extra: str = "", default: bool = True, spelling: Spelling | None = None) -> str:
    """The spec's help, with its unit, range and default (in the CLI's ``spelling``); ``%`` escaped for argparse."""
    shown = respelled(param, spelling) if spelling else param
    parts = [param.help + (f" ({param.unit})" if param.unit and param.unit not in param.help else "")]
    if extra:
        parts.append(extra)
    if param.type in ("int", "float") and (param.minimum is not None or param.maximum is not None):
        parts.append(shown.range_text())
    if default and param.type != "bool":
        parts.append(f"default {shown_default(param, spelling)}")
    return "; ".join(parts).replace("%", "%%")


def respelled(param: ParamSpec, spelling: Spelling) -> ParamSpec:
    """``param`` as the CLI spells it: its specials under the CLI's values (one the CLI spells as "left out" is
    dropped), so its range text and check are in the CLI's words."""
    specials = tuple(
        (spelled, meaning) for value, meaning in param.specials if (spelled := spelling.get(value, value)) is not None
    )
    return dataclasses.replace(param, specials=specials)


def checker(
    param: ParamSpec, normalise: Callable[[str], str] = str.strip, spelling: Spelling | None = None
) -> Callable[[str], Any]:
    """An argparse ``type`` that parses the text as the spec's type and refuses what its check refuses; with a
    ``spelling`` the text is checked in the CLI's spelling and the spec's value returned."""
    spelling = spelling or {}
    unspelled = {spelled: value for value, spelled in spelling.items() if spelled is not None}
    param = respelled(param, spelling) if spelling else param

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
        return unspelled.get(value, value)

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
    spelling: Spelling | None = None,
    metavar: str = "",
) -> None:
    """``--name`` (or ``flag``) for ``kind``'s parameter ``name``; ``checked=False`` leaves the range to the
    backend (a range that depends on other options); ``default`` overrides the described one (e.g. ``None`` for
    "not given"); ``spelling`` gives special values the CLI spells otherwise (the parsed value is the spec's)."""
    param = kind[name]
    option = flag or f"--{name.replace('_', '-')}"
    extra_args: dict[str, Any] = {"dest": dest or name}
    if param.type == "bool":
        parser.add_argument(option, action="store_true", help=help_text(param, extra=extra), **extra_args)
        return
    if metavar:
        extra_args["metavar"] = metavar
    elif param.type == "choice":
        extra_args["metavar"] = "{" + ",".join(param.choices) + "}"
    if checked and param.type in ("int", "float", "choice"):
        extra_args["type"] = checker(param, normalise, spelling)
    elif param.type == "int":
        extra_args["type"] = int
    elif param.type == "float":
        extra_args["type"] = float
    value = param.default if default is _UNSET else default
    parser.add_argument(option, default=value, help=help_text(param, extra=extra, spelling=spelling), **extra_args)
