"""``omni gui``: the desktop app. Imports only ``desktop`` (PySide6), never backend or torch.

Its options are the desktop's own (``desktop.qt.entry``), so ``omni gui --self-check`` is the bundle's check.
"""

from __future__ import annotations

import argparse

from desktop.qt.entry import add_arguments
from desktop.qt.entry import run as run_desktop


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("gui", help="open the desktop app")
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return run_desktop(args)
