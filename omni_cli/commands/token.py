"""``omni token create|list|revoke``: the backend's named tokens (admin only).

``create`` prints the new token on stdout, alone, once (so ``T=$(omni token create NAME)`` keeps it); the
backend keeps only its hash. ``list`` shows names, roles and dates, never a token.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp

from omni_cli.session import add_backend_options, open_session
from protos.omni.v1 import tokens_pb2

ROLE_PREFIX = "ROLE_"
#: the roles the contract defines, by the word a user types
ROLES = {
    name.removeprefix(ROLE_PREFIX).lower(): value
    for name, value in tokens_pb2.Role.items()
    if value != tokens_pb2.ROLE_UNSPECIFIED
}


def role_word(role: int) -> str:
    return tokens_pb2.Role.Name(role).removeprefix(ROLE_PREFIX).lower()  # type: ignore[arg-type]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("token", help="named tokens with roles: create, list, revoke (admin)")
    commands = parser.add_subparsers(dest="token_command", required=True, metavar="COMMAND")

    create = commands.add_parser("create", help="create a named token and print it, once")
    create.add_argument("name", help="who holds it (what their edits record), e.g. alice or ci-nightly")
    create.add_argument("--role", choices=list(ROLES), help="what it may do (default: the least role the backend has)")
    create.set_defaults(func=run_create)

    listing = commands.add_parser("list", help="the tokens: name, role, created, last used (never the token)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=run_list)

    revoke = commands.add_parser(
        "revoke", help="revoke a token: its next call is refused and its open streams end within seconds"
    )
    revoke.add_argument("name")
    revoke.set_defaults(func=run_revoke)

    for command in (create, listing, revoke):
        add_backend_options(command)


def _when(stamp: Timestamp, never: str = "never") -> str:
    if not stamp.seconds and not stamp.nanos:
        return never
    return datetime.fromtimestamp(stamp.seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def run_create(args: argparse.Namespace) -> int:
    role = ROLES[args.role] if args.role else tokens_pb2.ROLE_UNSPECIFIED
    with open_session(args) as session:
        created = session.connection.create_token(args.name, role)
    print(created.token)
    print(
        f"token {created.info.name!r} created with the {role_word(created.info.role)} role; "
        "it is shown only this once (the backend keeps its hash)",
        file=sys.stderr,
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        tokens = session.connection.list_tokens()
    if args.json:
        rows = [MessageToDict(t, preserving_proto_field_name=True) for t in tokens]
        print(json.dumps(rows, indent=2))
        return 0
    table = [("NAME", "ROLE", "CREATED", "LAST USED")]
    table += [(t.name, role_word(t.role), _when(t.created_at), _when(t.last_used_at)) for t in tokens]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        revoked = session.connection.revoke_token(args.name)
    print(f"token {revoked.name!r} revoked", file=sys.stderr)
    return 0
