"""``omni sync push|pull|status``: move model versions, datasets, reports and checkpoints between the workspace
and its remote (``omni remote set``), or say what differs without moving anything.

Push and pull are jobs (progress in bytes); Ctrl+C cancels them, ``omni jobs resume ID`` continues.
"""

from __future__ import annotations

import argparse
import json

from google.protobuf.json_format import MessageToDict

from omni_cli.commands.remote import enum_words
from omni_cli.follow import submit_and_follow
from omni_cli.session import add_backend_options, add_notify_option, open_session
from protos.omni.v1 import jobs_pb2, storage_pb2

SHA_SHOWN = 12


def _add_selection(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("what (nothing given = models, datasets and reports)")
    group.add_argument(
        "--models", nargs="*", default=None, metavar="VERSION", help="these model versions (none named: every one)"
    )
    group.add_argument("--datasets", nargs="*", default=None, metavar="NAME", help="these datasets (none named: all)")
    group.add_argument("--reports", action="store_true", help="the reports")
    group.add_argument("--checkpoints", action="store_true", help="training checkpoints (large)")
    group.add_argument("--all", action="store_true", help="models, datasets, reports and checkpoints")


def selection(args: argparse.Namespace) -> storage_pb2.SyncSelection:
    return storage_pb2.SyncSelection(
        models=args.models or [],
        datasets=args.datasets or [],
        every_model=args.models == [],
        every_dataset=args.datasets == [],
        reports=args.reports,
        checkpoints=args.checkpoints,
        all=args.all,
    )


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("sync", help="push to or pull from the workspace's remote, or compare with it")
    commands = parser.add_subparsers(dest="sync_command", required=True, metavar="COMMAND")

    subs = []
    for name, help_text in (
        ("push", "send the selection to the remote"),
        ("pull", "fetch the selection from the remote"),
    ):
        sub = commands.add_parser(name, help=help_text)
        _add_selection(sub)
        sub.add_argument("--dry-run", action="store_true", help="say what would move, move nothing")
        sub.add_argument(
            "--overwrite",
            action="store_true",
            help="replace what differs on the receiving side (a replaced local file is kept under .omni/replaced/; "
            "model versions are never replaced)",
        )
        sub.add_argument("--detach", action="store_true", help="print the job id and return")
        add_notify_option(sub)
        sub.set_defaults(func=run_push if name == "push" else run_pull)
        subs.append(sub)

    status = commands.add_parser("status", help="what differs between the workspace and the remote")
    _add_selection(status)
    status.add_argument("--same", action="store_true", help="list what is the same on both sides too")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=run_status)
    subs.append(status)

    for sub in subs:
        add_backend_options(sub)


def _spec(args: argparse.Namespace) -> storage_pb2.SyncSpec:
    return storage_pb2.SyncSpec(selection=selection(args), dry_run=args.dry_run, overwrite=args.overwrite)


def run_push(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        return submit_and_follow(session, jobs_pb2.JobSpec(sync_push=_spec(args)), detach=args.detach)


def run_pull(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        return submit_and_follow(session, jobs_pb2.JobSpec(sync_pull=_spec(args)), detach=args.detach)


# -- status -------------------------------------------------------------------------------------------------


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns


def state_words(state: int) -> str:
    return enum_words(storage_pb2.SyncState.Name(state), "SYNC_STATE_")  # type: ignore[arg-type]


def _sizes(entry: storage_pb2.SyncEntry) -> str:
    if entry.state == storage_pb2.SYNC_STATE_LOCAL_ONLY:
        return human_bytes(entry.local_size)
    if entry.state == storage_pb2.SYNC_STATE_REMOTE_ONLY:
        return human_bytes(entry.remote_size)
    if entry.state == storage_pb2.SYNC_STATE_DIFFERENT:
        local_sha = entry.local_sha256[:SHA_SHOWN] or "?"
        remote_sha = entry.remote_sha256[:SHA_SHOWN] or "?"
        return (
            f"local {human_bytes(entry.local_size)} sha256 {local_sha}, "
            f"remote {human_bytes(entry.remote_size)} sha256 {remote_sha}"
        )
    return human_bytes(entry.local_size or entry.remote_size)


def print_status(reply: storage_pb2.SyncStatusResponse, *, same: bool = False) -> None:
    """Counts, then one line per entry (SAME ones only with ``same``)."""
    remote = reply.remote
    if remote.configured:
        print(f"remote {remote.url} at {remote.endpoint or 'AWS S3'}")
    print(
        f"local only {reply.local_only}, remote only {reply.remote_only}, same {reply.same}, "
        f"different {reply.different}  ({reply.seconds:.1f} s)"
    )
    entries = [e for e in reply.entries if same or e.state != storage_pb2.SYNC_STATE_SAME]
    width = max((len(state_words(e.state)) for e in entries), default=0)
    for entry in entries:
        group = f"  ({entry.group})" if entry.group else ""
        print(f"{state_words(entry.state):<{width}}  {entry.key}{group}  {_sizes(entry)}")


def run_status(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        reply = session.connection.sync_status(selection(args), include_same=args.same)
    if args.json:
        data = MessageToDict(reply, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
        print(json.dumps(data, indent=2))
        return 0
    print_status(reply, same=args.same)
    return 0
