"""``omni gui``: the desktop app. Imports only ``desktop`` (PySide6), never backend or torch."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("gui", help="open the desktop app")
    parser.add_argument(
        "--backend", metavar="HOST:PORT", help="connect to this backend (default: start an embedded one)"
    )
    parser.add_argument("--token", help="the backend's token (default: $OMNI_TOKEN)")
    parser.add_argument("--tls", action="store_true", help="connect with TLS using the system's CA certificates")
    parser.add_argument("--tls-ca", type=Path, metavar="PEM", help="connect with TLS, trusting this CA certificate")
    parser.add_argument("--workspace", type=Path, help="workspace of the embedded backend")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop.qt.app import run_app

    return run_app(backend=args.backend, token=args.token, tls=args.tls, tls_ca=args.tls_ca, workspace=args.workspace)
