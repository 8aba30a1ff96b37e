"""``omni remote set|show|check|unset``: the workspace's remote (MinIO, AWS S3 or any S3-compatible server).

The remote is saved by the backend; nothing is sent to it until ``check`` (or a sync). A secret access key is
read from stdin (``--secret-access-key-stdin``) or ``$OMNI_S3_SECRET_ACCESS_KEY``, never from the command line,
and is never printed: the backend answers with where the keys come from and the last 4 characters of the key id.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

from google.protobuf.json_format import MessageToDict

from desktop.client import BackendError
from omni_cli.session import Session, add_backend_options, local_path, open_session
from protos.omni.v1 import storage_pb2

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
LAYOUTS = {"buckets": storage_pb2.REMOTE_LAYOUT_BUCKETS, "prefix": storage_pb2.REMOTE_LAYOUT_PREFIX}
SECRET_ENV = "OMNI_S3_SECRET_ACCESS_KEY"
SESSION_TOKEN_ENV = "OMNI_S3_SESSION_TOKEN"


def enum_words(name: str, prefix: str) -> str:
    """An enum value's name as lowercase words: ``REMOTE_PROBLEM_WRONG_SECRET`` -> ``wrong secret``."""
    return name.removeprefix(prefix).replace("_", " ").lower()


def problem_words(problem: int) -> str:
    return enum_words(storage_pb2.RemoteProblem.Name(problem), "REMOTE_PROBLEM_")  # type: ignore[arg-type]


def layout_words(layout: int) -> str:
    return enum_words(storage_pb2.RemoteLayout.Name(layout), "REMOTE_LAYOUT_")  # type: ignore[arg-type]


def location_words(location: int) -> str:
    """``LOCATION_BOTH`` -> ``both``; ``-`` when the backend did not say."""
    if location == storage_pb2.LOCATION_UNSPECIFIED:
        return "-"
    return enum_words(storage_pb2.Location.Name(location), "LOCATION_")  # type: ignore[arg-type]


def remote_json(message: storage_pb2.RemoteConfig | storage_pb2.RemoteCheck) -> str:
    data = MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    return json.dumps(data, indent=2)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("remote", help="the workspace's remote on MinIO or S3: set, show, check, unset")
    commands = parser.add_subparsers(dest="remote_command", required=True, metavar="COMMAND")

    set_ = commands.add_parser(
        "set",
        help="save the remote (then check it)",
        description="Save the workspace's remote, print it, then check it (reach, credentials, buckets, "
        "write/read/delete). The remote is saved even when the check fails.",
    )
    set_.add_argument("url", help="s3:// (one bucket per top-level prefix) or s3://BUCKET[/PREFIX] (one bucket)")
    set_.add_argument("--endpoint", default="", help="HOST[:PORT] or http(s)://HOST[:PORT] (default: AWS S3)")
    set_.add_argument("--region", default="", help="e.g. eu-west-1")
    set_.add_argument("--layout", choices=tuple(LAYOUTS), help="default: buckets for s3://, prefix for s3://BUCKET")
    set_.add_argument("--bucket-prefix", default="", help="buckets layout: prepended to every bucket name")
    set_.add_argument("--insecure-tls", action="store_true", help="do not verify the server's TLS certificate")
    set_.add_argument("--profile", default="", help="an AWS profile of the backend's credentials file")
    set_.add_argument(
        "--credentials-file", default="", metavar="PATH", help="an AWS-style credentials file on the backend (0600)"
    )
    set_.add_argument(
        "--access-key-id",
        default="",
        metavar="ID",
        help=f"keep keys for this workspace; the secret comes from --secret-access-key-stdin or ${SECRET_ENV}",
    )
    set_.add_argument(
        "--secret-access-key-stdin", action="store_true", help="read the secret access key from stdin (one line)"
    )
    set_.add_argument("--no-check", action="store_true", help="save without checking")
    set_.set_defaults(func=run_set)

    show = commands.add_parser("show", help="the remote: URL, endpoint, layout, locations, where the keys come from")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    check = commands.add_parser("check", help="reach, credentials, buckets and a write/read/delete probe, timed")
    check.add_argument("--create-buckets", action="store_true", help="create the layout's missing buckets")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=run_check)

    unset = commands.add_parser("unset", help="forget the remote (and the keys kept for this workspace)")
    unset.set_defaults(func=run_unset)

    for sub in (set_, show, check, unset):
        add_backend_options(sub)


# -- set ----------------------------------------------------------------------------------------------------


def _read_secret() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("secret access key: ").strip()
    return sys.stdin.readline().strip()


def _keys(args: argparse.Namespace) -> tuple[str, str, str] | str:
    """(access key id, secret, session token) to send, or what is wrong with the flags."""
    if args.secret_access_key_stdin and not args.access_key_id:
        return "--secret-access-key-stdin needs --access-key-id"
    if not args.access_key_id:
        return "", "", ""
    if args.secret_access_key_stdin:
        secret = _read_secret()
        if not secret:
            return "--secret-access-key-stdin: stdin gave no secret access key"
    else:
        secret = os.environ.get(SECRET_ENV, "").strip()
        if not secret:
            return f"--access-key-id needs its secret: pipe it with --secret-access-key-stdin or set ${SECRET_ENV}"
    return args.access_key_id.strip(), secret, os.environ.get(SESSION_TOKEN_ENV, "").strip()


def run_set(args: argparse.Namespace) -> int:
    keys = _keys(args)
    if isinstance(keys, str):
        print(f"omni remote set: {keys}", file=sys.stderr)
        return EXIT_USAGE
    access_key_id, secret, session_token = keys
    with open_session(args) as session:
        request = storage_pb2.SetRemoteRequest(
            url=args.url,
            endpoint=args.endpoint,
            region=args.region,
            layout=LAYOUTS[args.layout] if args.layout else storage_pb2.REMOTE_LAYOUT_UNSPECIFIED,
            bucket_prefix=args.bucket_prefix,
            insecure_tls=args.insecure_tls,
            profile=args.profile,
            credentials_file=local_path(session, args.credentials_file),
            access_key_id=access_key_id,
            secret_access_key=secret,
            session_token=session_token,
        )
        del secret, session_token
        remote = session.connection.set_remote(request)
        print_remote(remote)
        if args.no_check:
            return EXIT_OK
        print()
        return _check_after_set(session)


def _check_after_set(session: Session) -> int:
    try:
        result = session.connection.check_remote()
    except BackendError as error:
        print(f"omni: the remote is saved, but it could not be checked: {error}", file=sys.stderr)
        return EXIT_OK
    print_check(result)
    if not result.ok:
        print(
            f"omni: the remote is saved, but its check FAILED {_problem_summary(result)}\n"
            "omni: fix that, then run `omni remote check`",
            file=sys.stderr,
        )
    return EXIT_OK


# -- show ---------------------------------------------------------------------------------------------------


def print_remote(remote: storage_pb2.RemoteConfig) -> None:
    if not remote.configured:
        print("no remote: set one with `omni remote set s3://BUCKET/PREFIX --endpoint HOST:PORT`")
        return
    layout = layout_words(remote.layout)
    if remote.layout == storage_pb2.REMOTE_LAYOUT_BUCKETS and remote.bucket_prefix:
        layout += f" (bucket prefix {remote.bucket_prefix!r})"
    credentials = remote.credentials_source or "-"
    if remote.access_key_hint:
        credentials += f", key {remote.access_key_hint}"
    endpoint = (remote.endpoint or "AWS S3") + ("  (TLS certificate NOT verified)" if remote.insecure_tls else "")
    rows = [
        ("url", remote.url),
        ("endpoint", endpoint),
        ("region", remote.region or "-"),
        ("layout", layout),
        ("locations", ", ".join(remote.locations) or "-"),
        ("credentials", credentials),
    ]
    if remote.profile:
        rows.append(("profile", remote.profile))
    if remote.credentials_file:
        rows.append(("credentials file", remote.credentials_file))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def run_show(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        remote = session.connection.get_remote()
    if args.json:
        print(remote_json(remote))
    else:
        print_remote(remote)
    return EXIT_OK


# -- check --------------------------------------------------------------------------------------------------


def _problem_summary(result: storage_pb2.RemoteCheck) -> str:
    """``at step credentials (wrong secret): DETAIL``: where the check stopped, the problem, what to do."""
    failed = next((step for step in result.steps if not step.ok), None)
    problem = result.problem or (failed.problem if failed else 0)
    words = f" ({problem_words(problem)})" if problem else ""
    if failed is None:
        return f"not ok{words}"
    return f"at step {failed.name}{words}" + (f": {failed.detail}" if failed.detail else "")


def print_check(result: storage_pb2.RemoteCheck) -> None:
    if result.remote.configured:
        print(f"check of {result.remote.url} at {result.remote.endpoint or 'AWS S3'}:")
    width = max((len(step.name) for step in result.steps), default=0)
    for step in result.steps:
        status = "ok" if step.ok else "FAILED"
        problem = f" [{problem_words(step.problem)}]" if step.problem else ""
        print(f"  {step.name:<{width}}  {status:<6}  {step.millis:>8.1f} ms  {step.detail}{problem}".rstrip())
    if result.round_trip_ms > 0:
        print(f"round trip: {result.round_trip_ms:.1f} ms")
    if result.ok:
        print("remote ok")
    else:
        print(f"remote check FAILED: {problem_words(result.problem) if result.problem else 'see the steps above'}")


def run_check(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        result = session.connection.check_remote(create_buckets=args.create_buckets)
    if args.json:
        print(remote_json(result))
    else:
        print_check(result)
    if result.ok:
        return EXIT_OK
    print(f"omni: remote check failed {_problem_summary(result)}", file=sys.stderr)
    return EXIT_FAILED


# -- unset --------------------------------------------------------------------------------------------------


def run_unset(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        session.connection.unset_remote()
    print("remote unset: this workspace has no remote now (its local copy is untouched)")
    return EXIT_OK
