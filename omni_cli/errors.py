"""How the ``omni`` command reports a failed call: the backend's message, then the fields it says are at fault
(read from the status's field violations, never parsed out of the message), each with the option that sets it."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from desktop.client import BackendError


def command_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    """The options of the command ``args`` ran (``{"batch_size": "--batch-size"}``): the parser, among ``parser``'s
    subcommands, whose ``func`` it is. Positional arguments are left out; they are no option to point at."""
    func = getattr(args, "func", None)
    pending = [parser]
    while pending:
        current = pending.pop()
        if current.get_default("func") is func and func is not None:
            return {
                action.dest: max(action.option_strings, key=len)
                for action in current._actions
                if action.option_strings and action.dest != "help"
            }
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
    return {}


def error_lines(error: BackendError, options: Mapping[str, str] | None = None) -> list[str]:
    """The lines ``omni`` prints on stderr for ``error``; ``options`` from ``command_options``."""
    lines = [f"omni: {error}"]
    for violation in error.violations:
        name = violation.field.rsplit(".", 1)[-1].split("[", 1)[0]
        option = (options or {}).get(name, "")
        hint = f" (option {option})" if option else ""
        if error.message.endswith(violation.description):  # the message said it already
            lines[0] += hint
        else:
            lines.append(f"omni:   {violation.field}: {violation.description}{hint}")
    return lines
