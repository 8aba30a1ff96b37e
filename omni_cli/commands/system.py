"""``omni system``: what the backend runs on."""

from __future__ import annotations

import argparse
import json

from google.protobuf.json_format import MessageToDict

from omni_cli.commands.token import role_word
from omni_cli.session import add_backend_options, open_session


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("system", help="show the backend's version, devices and workspace")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_backend_options(parser)
    parser.set_defaults(func=run)


def _gib(value: int) -> str:
    return f"{value / 2**30:.1f} GiB"


def run(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        info = session.connection.system_info()
    if args.json:
        print(
            json.dumps(
                MessageToDict(info, preserving_proto_field_name=True, always_print_fields_with_no_presence=True),
                indent=2,
            )
        )
        return 0
    gpus = ", ".join(f"{g.name} ({_gib(g.memory_free_bytes)} free of {_gib(g.memory_total_bytes)})" for g in info.gpus)
    providers = ", ".join(info.onnxruntime_providers) or "none"
    rows = [
        ("version", f"{info.version} ({info.api_version})"),
        ("host", f"{info.hostname} - {info.platform}"),
        ("python", info.python_version),
        ("cpu", f"{info.cpu_count} x {info.cpu_model}"),
        ("memory", f"{_gib(info.memory_available_bytes)} free of {_gib(info.memory_total_bytes)}"),
        ("gpus", gpus or "none"),
        (
            "onnxruntime",
            f"{info.onnxruntime_version or 'not installed'} - providers: {providers}",
        ),
        ("torch", info.torch_version or "not installed"),
        ("workspace", f"{info.workspace} ({_gib(info.disk_free_bytes)} free)"),
        ("storage", info.storage),
        ("security", f"token {'required' if info.auth_required else 'off'}, TLS {'on' if info.tls else 'off'}"),
        ("caller", f"{info.caller_token} ({role_word(info.caller_role)})" if info.caller_token else "no token"),
        ("jobs", f"{info.max_concurrent_jobs} at a time"),
        ("uptime", f"{info.uptime_seconds:.0f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0
