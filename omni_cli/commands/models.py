"""``omni models list|show|promote|delete|compare|import``."""

from __future__ import annotations

import argparse
import json
import time

from google.protobuf.json_format import MessageToDict

from omni_cli.commands.remote import location_words
from omni_cli.session import add_backend_options, open_session
from protos.omni.v1 import models_pb2

SHOWN_METRICS = ("psnr", "ssim", "mp_per_s", "val_loss", "map50", "map50_95")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("models", help="the versioned model registry")
    commands = parser.add_subparsers(dest="models_command", required=True, metavar="COMMAND")
    listing = commands.add_parser("list", help="versions, newest first, with their tier (* = current of its layer)")
    listing.add_argument("--kind", choices=("restoration", "detector"), default="")
    listing.add_argument("--layer", type=int, choices=(1, 2), help="restoration layer")
    listing.add_argument(
        "--remote", action="store_true", help="also the remote's versions, with a LOCATION (local/remote/both/differs)"
    )
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)
    show = commands.add_parser("show", help="one version's model card")
    show.add_argument("version")
    show.set_defaults(func=run_show)
    promote = commands.add_parser("promote", help="make a version the current model of its layer (and of its tier)")
    promote.add_argument("version")
    promote.set_defaults(func=run_promote)
    delete = commands.add_parser("delete", help="delete a version (not the current one)")
    delete.add_argument("version")
    delete.set_defaults(func=run_delete)
    compare = commands.add_parser("compare", help="two versions side by side")
    compare.add_argument("a")
    compare.add_argument("b")
    compare.set_defaults(func=run_compare)
    from omni_cli.commands.models_import import register_import

    for sub in (listing, show, promote, delete, compare, register_import(commands)):
        add_backend_options(sub)


def _metrics(model: models_pb2.ModelVersion) -> str:
    return "  ".join(f"{name}={model.metrics[name]:.4g}" for name in SHOWN_METRICS if name in model.metrics)


def run_list(args: argparse.Namespace) -> int:
    layer = f"layer_{args.layer}" if args.layer else ""
    with open_session(args) as session:
        models = session.connection.list_models(kind=args.kind, layer=layer, include_remote=args.remote)
    if args.json:
        print(json.dumps([MessageToDict(m, preserving_proto_field_name=True) for m in models], indent=2))
        return 0
    if not models:
        print("no models yet: train one with `omni train restoration`")
    elif args.remote:
        print(f"  {'VERSION':<40} {'LOCATION':<8} {'LAYER':<8} {'TIER':<8} CREATED")
    for model in models:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(model.created_at.seconds))
        mark = "*" if model.current else " "
        location = f"{location_words(model.location):<8} " if args.remote else ""
        print(
            f"{mark} {model.version:<40} {location}{model.layer:<8} {model.tier or '-':<8} {created}  "
            f"{model.parameters:>10,} params  "
            f"{_metrics(model)}".rstrip()
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        model = session.connection.get_model(args.version)
    card = json.loads(model.card_json)
    card["current"] = model.current
    print(json.dumps(card, indent=2))
    return 0


def run_promote(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        model = session.connection.promote_model(args.version)
    tier = f" and of the {model.tier} tier" if model.tier else ""
    print(f"{model.version} is now the current model of {model.layer}{tier}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        session.connection.delete_model(args.version)
    print(f"deleted {args.version}")
    return 0


def _fmt(item: models_pb2.MetricComparison, side: str) -> str:
    return f"{getattr(item, side):.4f}" if item.HasField(side) else "-"


def run_compare(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        result = session.connection.compare_models(args.a, args.b)
    rows = [
        ("", "A", "B", "change"),
        ("version", result.a.version, result.b.version, ""),
        ("architecture", result.a.architecture, result.b.architecture, ""),
        (
            "parameters",
            f"{result.a.parameters:,}",
            f"{result.b.parameters:,}",
            f"{result.b.parameters - result.a.parameters:+,}",
        ),
        ("size bytes", f"{result.a.size_bytes:,}", f"{result.b.size_bytes:,}", ""),
    ]
    rows += [
        (m.name, _fmt(m, "a"), _fmt(m, "b"), f"{m.change:+.4f}" if m.HasField("change") else "") for m in result.metrics
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return 0
