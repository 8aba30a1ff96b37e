"""The ``omni`` command. Every command but ``serve`` and ``gui`` is a gRPC client of a backend."""

from __future__ import annotations

import argparse
import sys

from omni_cli.commands import (
    dataset,
    detect,
    endpoints,
    gui,
    jobs,
    models,
    remote,
    reports,
    restore,
    serve,
    sync,
    synth,
    system,
    train,
    webhooks,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omni", description="Omni Studio: annotate, generate, train, inspect and restore images."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = (
        serve,
        system,
        jobs,
        synth,
        train,
        models,
        reports,
        dataset,
        restore,
        detect,
        endpoints,
        remote,
        sync,
        webhooks,
    )
    for module in (*commands, gui):
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from desktop.client import BackendError

    try:
        return int(args.func(args))
    except BackendError as error:
        print(f"omni: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("omni: interrupted", file=sys.stderr)
        return 130
