"""``omni deploy VERSION --serverless`` and ``omni endpoint list|invoke|delete``: a registered version (a detector,
or a restoration network) served by a SageMaker serverless endpoint (defaults are the backend's:
protos/omni/v1/cloud.proto, DeploySpec)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from omni_cli.follow import submit_and_follow
from omni_cli.session import add_backend_options, add_notify_option, open_session
from protos.omni.v1 import cloud_pb2, jobs_pb2

CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    deploy = subparsers.add_parser(
        "deploy",
        help="serve a detector or restoration version from a SageMaker serverless endpoint",
        description="Creates the SageMaker model, an endpoint configuration with ServerlessConfig and the endpoint, "
        "and waits until it is in service. Needs a remote on AWS S3, a role and a region.",
    )
    deploy.add_argument("version", help="a registered version, or current (the promoted detector)")
    deploy.add_argument("--serverless", action="store_true", required=True, help="a serverless endpoint (required)")
    deploy.add_argument("--memory", type=int, default=0, help="MB: 1024..6144 by 1024 (default 2048)")
    deploy.add_argument("--max-concurrency", type=int, default=0, help="requests served at once (default 5)")
    deploy.add_argument("--name", default="", help="endpoint name (default omni-VERSION)")
    deploy.add_argument("--conf", type=float, default=0.0, help="confidence threshold of the endpoint (default 0.25)")
    deploy.add_argument("--role", default="", help="IAM role ARN (default: the backend's OMNI_SAGEMAKER_ROLE)")
    deploy.add_argument("--region", default="", help="AWS region (default: the remote's)")
    deploy.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(deploy)
    deploy.set_defaults(func=run_deploy)
    add_backend_options(deploy)

    endpoint = subparsers.add_parser("endpoint", help="list, call or delete SageMaker endpoints")
    commands = endpoint.add_subparsers(dest="endpoint_command", required=True, metavar="ACTION")
    listing = commands.add_parser("list", help="the endpoints in the region, with the version each serves")
    listing.add_argument("--region", default="")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)
    invoke = commands.add_parser(
        "invoke", help="send one photo; prints a detector's answer as JSON, or writes a restored image with --out"
    )
    invoke.add_argument("name")
    invoke.add_argument("image", type=Path, help="a .jpg or .png photo")
    invoke.add_argument("--out", type=Path, help="where a restoration endpoint's PNG is written")
    invoke.add_argument("--region", default="")
    invoke.set_defaults(func=run_invoke)
    delete = commands.add_parser("delete", help="delete the endpoint, its configuration and its model")
    delete.add_argument("name")
    delete.add_argument("--region", default="")
    delete.set_defaults(func=run_delete)
    for parser in (listing, invoke, delete):
        add_backend_options(parser)


def run_deploy(args: argparse.Namespace) -> int:
    spec = cloud_pb2.DeploySpec(
        version=args.version,
        name=args.name,
        memory_mb=args.memory,
        max_concurrency=args.max_concurrency,
        conf=args.conf,
        role=args.role,
        region=args.region,
    )
    with open_session(args) as session:
        return submit_and_follow(session, jobs_pb2.JobSpec(deploy_endpoint=spec), detach=args.detach)


def run_list(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        found = session.connection.list_endpoints(args.region)
    rows = [
        {
            "name": e.name,
            "status": e.status,
            "version": e.version,
            "memory_mb": e.memory_mb,
            "max_concurrency": e.max_concurrency,
            "failure_reason": e.failure_reason,
        }
        for e in found
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no endpoints", file=sys.stderr)
    for row in rows:
        reason = f"  ({row['failure_reason']})" if row["failure_reason"] else ""
        print(
            f"{row['name']:<40} {row['status']:<12} {row['version'] or '-':<40} "
            f"{row['memory_mb']} MB x{row['max_concurrency']}{reason}"
        )
    return 0


def run_invoke(args: argparse.Namespace) -> int:
    content_type = CONTENT_TYPES.get(args.image.suffix.lower())
    if content_type is None:
        print(f"omni endpoint invoke: {args.image}: send a .jpg or .png photo", file=sys.stderr)
        return 2
    try:
        body = args.image.read_bytes()
    except OSError as error:
        print(f"omni endpoint invoke: {args.image}: {error.strerror}", file=sys.stderr)
        return 2
    with open_session(args) as session:
        answer = session.connection.invoke_endpoint(args.name, body, content_type, args.region)
    if answer.content_type.startswith("image/") or answer.body.startswith(b"\x89PNG"):
        if args.out is None:
            print("omni endpoint invoke: the endpoint answered an image; give --out FILE.png", file=sys.stderr)
            return 2
        args.out.write_bytes(answer.body)
        print(f"wrote {args.out} ({len(answer.body)} bytes)", file=sys.stderr)
        return 0
    text = answer.body.decode("utf-8", errors="replace")
    try:
        print(json.dumps(json.loads(text), indent=2))
    except ValueError:
        print(text)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        session.connection.delete_endpoint(args.name, args.region)
    print(f"deleted endpoint {args.name} (and its configuration and model)", file=sys.stderr)
    return 0
