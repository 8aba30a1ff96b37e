"""How the ``omni`` command reports a failed call: the backend's message, then the fields it says are at fault
(read from the status's field violations, never parsed out of the message), each with the option that sets it."""

from __future__ import annotations

import argparse

from desktop.client import BackendError


def _option_for(field: str, args: argparse.Namespace | None) -> str:
    """``--batch-size`` for ``spec.train_restoration.batch_size`` when this command has that option, else ''."""
    name = field.rsplit(".", 1)[-1].split("[", 1)[0]
    if args is None or name not in vars(args) or name in ("func", "command"):
        return ""
    return "--" + name.replace("_", "-")


def error_lines(error: BackendError, args: argparse.Namespace | None = None) -> list[str]:
    """The lines ``omni`` prints on stderr for ``error``."""
    lines = [f"omni: {error}"]
    for violation in error.violations:
        option = _option_for(violation.field, args)
        hint = f" (option {option})" if option else ""
        if error.message.endswith(violation.description):  # the message said it already
            lines[0] += hint
        else:
            lines.append(f"omni:   {violation.field}: {violation.description}{hint}")
    return lines
