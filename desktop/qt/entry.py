"""The desktop's own command line: what the bundle (``omni-desktop``) and ``python -m desktop`` run.

``omni gui`` takes the same options (``add_arguments``). Nothing Qt is imported until ``run`` is called, so the
CLI can register them cheaply.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _box(text: str) -> tuple[float, float, float, float]:
    try:
        left, top, right, bottom = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LEFT,TOP,RIGHT,BOTTOM (four numbers)") from None
    if not (0 <= left < right <= 1 and 0 <= top < bottom <= 1):
        raise argparse.ArgumentTypeError(f"{text!r}: want 0 <= LEFT < RIGHT <= 1 and 0 <= TOP < BOTTOM <= 1")
    return left, top, right, bottom


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend", metavar="HOST:PORT", help="connect to this backend (default: start an embedded one)"
    )
    parser.add_argument("--token", help="the backend's token (default: $OMNI_TOKEN)")
    parser.add_argument("--tls", action="store_true", help="connect with TLS using the system's CA certificates")
    parser.add_argument("--tls-ca", type=Path, metavar="PEM", help="connect with TLS, trusting this CA certificate")
    parser.add_argument("--workspace", type=Path, help="workspace of the embedded backend")
    check = parser.add_argument_group(
        "self-check", "open the window, connect, draw and save one box, restore a folder; write a report"
    )
    check.add_argument("--self-check", type=Path, metavar="REPORT.json", help="run the self-check; exit 0 if it passed")
    check.add_argument("--dataset", help="the dataset to annotate (a scratch one: the check saves a box to it)")
    check.add_argument("--box-class", metavar="NAME", help="the class of the box (default: the dataset's first)")
    check.add_argument("--box", type=_box, metavar="L,T,R,B", help="the box, normalized (default: 0.25,0.25,0.75,0.75)")
    check.add_argument("--restore", type=Path, metavar="FOLDER", help="restore this folder in the Batch view, streamed")
    check.add_argument("--restore-out", type=Path, metavar="FOLDER", help="where (default: restored/ by the report)")
    check.add_argument("--model", metavar="VERSION", help="the restoration model (default: the newest version)")


def run(args: argparse.Namespace) -> int:
    if args.self_check is not None:
        from desktop.qt.self_check import run_self_check
        from desktop.qt.self_check.runner import DEFAULT_BOX, CheckOptions

        options = CheckOptions(
            backend=args.backend,
            token=args.token,
            tls=args.tls,
            tls_ca=args.tls_ca,
            dataset=args.dataset,
            box_class=args.box_class,
            box=args.box or DEFAULT_BOX,
            restore=args.restore,
            restore_out=args.restore_out,
            model=args.model,
        )
        return run_self_check(options, args.self_check)
    from desktop.qt.app import run_app

    return run_app(
        backend=args.backend,
        token=args.token,
        tls=args.tls,
        tls_ca=args.tls_ca,
        workspace=args.workspace,
        embedded=not getattr(sys, "frozen", False),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omni-desktop", description="Omni Studio, the desktop app.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
