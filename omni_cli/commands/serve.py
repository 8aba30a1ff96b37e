"""``omni serve``: run the backend."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve", help="run the compute backend", description="Run the compute backend until SIGTERM/Ctrl+C."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=50051, help="port (default 50051; 0 = pick a free one and print it)"
    )
    parser.add_argument(
        "--workspace", type=Path, help="workspace folder (default: $OMNI_WORKSPACE or the user data dir)"
    )
    parser.add_argument("--token", help="require 'authorization: Bearer TOKEN' on every RPC (default: $OMNI_TOKEN)")
    parser.add_argument("--tls-cert", type=Path, help="PEM certificate chain for TLS")
    parser.add_argument("--tls-key", type=Path, help="PEM private key for TLS")
    parser.add_argument("--insecure", action="store_true", help="allow listening beyond loopback without TLS")
    parser.add_argument(
        "--http-port",
        type=int,
        help="also serve the HTTP/JSON API on this port (same host, token and TLS; off by default; 0 = a free one)",
    )
    parser.add_argument("--max-jobs", type=int, help="jobs run at the same time (default 2, $OMNI_MAX_CONCURRENT_JOBS)")
    parser.add_argument("--ready-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reuse", action="store_true", help=argparse.SUPPRESS)
    # the desktop that embeds this backend: when that process ends, however it ends, the backend stops too
    parser.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from backend.serve import serve_forever
    from backend.settings import ServerSettings, UnsafeBindError
    from omni_core.errors import OmniError

    settings = ServerSettings.from_env(
        host=args.host,
        port=args.port,
        workspace=args.workspace,
        token=args.token,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        insecure=args.insecure or None,
        max_concurrent_jobs=args.max_jobs,
        http_port=args.http_port,
    )
    try:
        return serve_forever(
            settings,
            ready_file=args.ready_file,
            reuse=args.reuse,
            announce=lambda m: print(m, flush=True),
            parent_pid=args.parent_pid,
        )
    except (UnsafeBindError, OmniError, OSError) as error:
        print(f"omni serve: {error}", file=sys.stderr)
        return 2
