"""``omni synth restoration|detection``: generate synthetic data as a job."""

from __future__ import annotations

import argparse

from omni_cli.follow import submit_and_follow
from omni_cli.session import add_backend_options, add_notify_option, local_path, open_session
from protos.omni.v1 import jobs_pb2, synthetic_pb2


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("synth", help="generate synthetic training data")
    commands = parser.add_subparsers(dest="synth_command", required=True, metavar="KIND")

    restoration = commands.add_parser("restoration", help="clean/degraded document pairs")
    restoration.add_argument("--count", type=int, required=True, help="pairs to write")
    restoration.add_argument("--out", required=True, help="output folder (new or empty)")
    restoration.add_argument("--size", type=int, default=256, help="image side in pixels (default 256)")
    restoration.add_argument(
        "--degradations", type=_names, default=[], help="comma-separated names (default: all; see omni synth list)"
    )
    restoration.add_argument("--max-degradations", type=int, default=3, help="at most this many per pair (default 3)")
    restoration.add_argument("--seed", type=int, default=0)
    restoration.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(restoration)
    restoration.set_defaults(func=run_restoration)

    detection = commands.add_parser("detection", help="YOLO-format scenes with damage objects")
    detection.add_argument("--count", type=int, required=True, help="images to write")
    detection.add_argument("--out", required=True, help="output folder (new or empty)")
    detection.add_argument(
        "--classes",
        type=_names,
        default=[],
        help="comma-separated class names (default: dent,dirt,rust,scratch,spoiled,mold)",
    )
    detection.add_argument("--size", type=int, default=640, help="image side in pixels (default 640)")
    detection.add_argument("--val-fraction", type=float, default=0.2, help="share of images in val/ (default 0.2)")
    detection.add_argument("--max-objects", type=int, default=6, help="objects per image at most (default 6)")
    detection.add_argument("--seed", type=int, default=0)
    detection.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(detection)
    detection.set_defaults(func=run_detection)

    listing = commands.add_parser("list", help="the degradations and default classes the backend knows")
    listing.set_defaults(func=run_list)

    for sub in (restoration, detection, listing):
        add_backend_options(sub)


def run_restoration(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        spec = synthetic_pb2.SynthRestorationSpec(
            count=args.count,
            out=local_path(session, args.out),
            size=args.size,
            degradations=args.degradations,
            max_degradations=args.max_degradations,
            seed=args.seed,
        )
        return submit_and_follow(session, jobs_pb2.JobSpec(synth_restoration=spec), detach=args.detach)


def run_detection(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        spec = synthetic_pb2.SynthDetectionSpec(
            count=args.count,
            out=local_path(session, args.out),
            classes=args.classes,
            size=args.size,
            val_fraction=args.val_fraction,
            max_objects=args.max_objects,
            seed=args.seed,
        )
        return submit_and_follow(session, jobs_pb2.JobSpec(synth_detection=spec), detach=args.detach)


def run_list(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        info = session.connection.describe_synthetic()
    print("degradations:")
    width = max((len(d.name) for d in info.degradations), default=0)
    for degradation in info.degradations:
        print(f"  {degradation.name:<{width}}  {degradation.description}")
    print(f"default classes: {', '.join(info.default_classes)}")
    print(f"sizes: {info.min_size}..{info.max_size} px; count: 1..{info.max_count}")
    return 0
