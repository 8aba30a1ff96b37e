"""``omni reports list|show``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from omni_cli.session import add_backend_options, open_session


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("reports", help="training reports")
    commands = parser.add_subparsers(dest="reports_command", required=True, metavar="COMMAND")
    listing = commands.add_parser("list", help="reports, newest first")
    listing.add_argument("--kind", default="", help="e.g. train_restoration")
    listing.set_defaults(func=run_list)
    show = commands.add_parser("show", help="one report")
    show.add_argument("report_id", help="the training job's id")
    show.add_argument("--format", choices=("text", "html", "json"), default="text")
    show.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")
    show.set_defaults(func=run_show)
    for sub in (listing, show):
        add_backend_options(sub)


def run_list(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        reports = session.connection.list_reports(kind=args.kind)
    if not reports:
        print("no reports yet: every training run writes one")
    for report in reports:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.created_at.seconds))
        print(f"{report.id:<44} {report.state:<11} {created}  {report.model_version or '-':<40} {report.title}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        content = session.connection.get_report(args.report_id, args.format)
    if args.output:
        args.output.write_text(content, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(content, end="" if content.endswith("\n") else "\n")
    return 0
