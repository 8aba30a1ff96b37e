"""``omni webhooks add|list|remove|test|deliveries``: signed POSTs when jobs end and models change.

A secret is given with ``--secret`` (visible to other users in the process list) or ``--secret-file``; without
one the backend makes one, and it is printed here once, never again. ``list`` shows ``secret: set`` and
redacted URLs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp

from omni_cli.session import add_backend_options, open_session
from protos.omni.v1 import webhooks_pb2

EXIT_OK, EXIT_USAGE = 0, 2


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("webhooks", help="signed HTTP callbacks: add, list, remove, test, deliveries")
    commands = parser.add_subparsers(dest="webhooks_command", required=True, metavar="COMMAND")

    add = commands.add_parser("add", help="POST events to URL, signed (Standard Webhooks)")
    add.add_argument("url", help="http:// or https:// receiver")
    add.add_argument(
        "--events",
        type=_names,
        default=[],
        help="comma-separated: job.started, job.succeeded, job.failed, job.cancelled, job.interrupted, "
        "model.registered, model.promoted, webhook.test (default: all)",
    )
    secret = add.add_mutually_exclusive_group()
    secret.add_argument("--secret", default="", help="whsec_<base64>; seen by anyone who can list processes")
    secret.add_argument("--secret-file", type=Path, metavar="FILE", help="read the secret from FILE's first line")
    add.add_argument("--description", default="")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=run_add)

    listing = commands.add_parser("list", help="webhooks (secrets never shown, URLs redacted)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)

    remove = commands.add_parser("remove", help="stop sending to a webhook; its pending deliveries end failed")
    remove.add_argument("webhook_id")
    remove.set_defaults(func=run_remove)

    test = commands.add_parser("test", help="queue a webhook.test delivery now")
    test.add_argument("webhook_id")
    test.set_defaults(func=run_test)

    deliveries = commands.add_parser("deliveries", help="deliveries newest first: state, attempts, last error")
    deliveries.add_argument("--webhook", default="", metavar="ID", help="only this webhook's")
    deliveries.add_argument("--job", default="", metavar="ID", help="only about this job")
    deliveries.add_argument("--limit", type=int, default=50, help="at most this many (default 50, at most 1000)")
    deliveries.add_argument("--json", action="store_true")
    deliveries.set_defaults(func=run_deliveries)

    for sub in (add, listing, remove, test, deliveries):
        add_backend_options(sub)


def _when(stamp: Timestamp) -> str:
    if not stamp.seconds and not stamp.nanos:
        return "-"
    return str(stamp.ToDatetime().strftime("%Y-%m-%d %H:%M:%S"))


def _state(delivery: webhooks_pb2.Delivery) -> str:
    return webhooks_pb2.DeliveryState.Name(delivery.state).removeprefix("DELIVERY_STATE_").lower()


def _webhook_line(hook: webhooks_pb2.Webhook) -> str:
    events = ",".join(hook.events) or "all events"
    secret = "secret: set" if hook.secret_set else "secret: none"
    described = f"  {hook.description}" if hook.description else ""
    return f"{hook.id}  {hook.url}  {events}  {secret}{described}"


def run_add(args: argparse.Namespace) -> int:
    secret = args.secret
    if args.secret_file is not None:
        lines = args.secret_file.read_text().splitlines()
        secret = lines[0].strip() if lines else ""
        if not secret:
            print(f"omni: {args.secret_file} holds no secret", file=sys.stderr)
            return EXIT_USAGE
    with open_session(args) as session:
        added = session.connection.add_webhook(args.url, args.events, secret, args.description)
    if args.json:
        print(json.dumps(MessageToDict(added.webhook, preserving_proto_field_name=True), indent=2))
    else:
        print(_webhook_line(added.webhook))
    if added.secret:
        print(f"secret: {added.secret}", file=sys.stderr)
        print("  shown this once: give it to the receiver to verify signatures (README, Webhooks)", file=sys.stderr)
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        hooks = session.connection.list_webhooks()
    if args.json:
        data = [MessageToDict(hook, preserving_proto_field_name=True) for hook in hooks]
        print(json.dumps(data, indent=2))
        return EXIT_OK
    if not hooks:
        print("no webhooks (omni webhooks add URL)", file=sys.stderr)
    for hook in hooks:
        print(_webhook_line(hook))
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        session.connection.remove_webhook(args.webhook_id)
    print(f"removed {args.webhook_id}", file=sys.stderr)
    return EXIT_OK


def run_test(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        delivery = session.connection.test_webhook(args.webhook_id)
    print(delivery.id)
    print(f"queued: omni webhooks deliveries --webhook {args.webhook_id} shows how it went", file=sys.stderr)
    return EXIT_OK


def run_deliveries(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 1000:
        print("omni: --limit must be between 1 and 1000", file=sys.stderr)
        return EXIT_USAGE
    with open_session(args) as session:
        page = session.connection.list_deliveries(webhook_id=args.webhook, job_id=args.job, page_size=args.limit)
    deliveries = list(page.deliveries)
    if args.json:
        data = [MessageToDict(item, preserving_proto_field_name=True) for item in deliveries]
        print(json.dumps(data, indent=2))
        return EXIT_OK
    for item in deliveries:
        target = item.webhook_id or "notify_url"
        status = f"HTTP {item.last_http_status}" if item.last_http_status else "-"
        line = f"{item.id}  {_state(item):<9}  {item.event_type:<16}  {target}  attempts {item.attempts}  {status}"
        if item.state == webhooks_pb2.DELIVERY_STATE_PENDING:
            line += f"  next {_when(item.next_attempt_at)}"
        if item.job_id:
            line += f"  job {item.job_id}"
        if item.last_error:
            line += f"  last error: {item.last_error}"
        print(line)
    return EXIT_OK
