"""``omni synth restoration|detection``: generate synthetic data as a job."""

from __future__ import annotations

import argparse

from omni_cli.follow import submit_and_follow
from omni_cli.options import add_param, checker, help_text, lowered
from omni_cli.session import add_backend_options, add_notify_option, local_path, open_session
from omni_core.jobkinds import SYNTH_DETECTION, SYNTH_RESTORATION
from protos.omni.v1 import jobs_pb2, synthetic_pb2


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("synth", help="generate synthetic training data")
    commands = parser.add_subparsers(dest="synth_command", required=True, metavar="KIND")

    restoration = commands.add_parser(
        "restoration", help="clean/degraded pairs: rendered documents, or your own clean images degraded (--from)"
    )
    r = SYNTH_RESTORATION
    # the range of --count depends on --from (0 = every image there), so the backend checks it
    add_param(restoration, r, "count", checked=False, default=None, extra="with --from: at most, default every image")
    restoration.add_argument("--out", required=True, help="output folder (new or empty)")
    add_param(restoration, r, "size")
    restoration.add_argument(
        "--degradations", type=_names, default=[], help="comma-separated names (default: all; see omni synth list)"
    )
    add_param(restoration, r, "max_degradations", extra="at most the number of degradations")
    add_param(restoration, r, "seed")
    own = restoration.add_argument_group("pairs from your own clean images")
    own.add_argument(
        "--from",
        dest="source",
        default="",
        metavar="DIR",
        help="folder of clean photos or scans (any format and size, searched recursively) to degrade into pairs",
    )
    add_param(own, r, "domain", normalise=lowered)
    add_param(own, r, "count_per_image")
    add_param(own, r, "crop")
    restoration.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(restoration)
    restoration.set_defaults(func=run_restoration)

    detection = commands.add_parser("detection", help="YOLO-format scenes with damage objects")
    d = SYNTH_DETECTION
    detection.add_argument(
        "--count", type=checker(d["count"]), required=True, help=help_text(d["count"], default=False)
    )
    detection.add_argument("--out", required=True, help="output folder (new or empty)")
    detection.add_argument(
        "--classes",
        type=_names,
        default=[],
        help=f"comma-separated class names (default: {','.join(d['classes'].list_default)})",
    )
    for name in ("size", "val_fraction", "max_objects", "seed"):
        add_param(detection, d, name)
    detection.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(detection)
    detection.set_defaults(func=run_detection)

    listing = commands.add_parser("list", help="the degradations and default classes the backend knows")
    listing.set_defaults(func=run_list)

    for sub in (restoration, detection, listing):
        add_backend_options(sub)


def run_restoration(args: argparse.Namespace) -> int:
    r = SYNTH_RESTORATION["count"]
    with open_session(args) as session:
        spec = synthetic_pb2.SynthRestorationSpec(
            count=args.count if args.count is not None else 0 if args.source else r.int_default,
            out=local_path(session, args.out),
            seed=args.seed,
        )
        if args.source:  # pairs from the user's images: the options of rendered documents do not apply
            spec.source = local_path(session, args.source)
            spec.domain, spec.count_per_image, spec.crop = args.domain, args.count_per_image, args.crop
        else:
            spec.size, spec.max_degradations = args.size, args.max_degradations
            spec.degradations.extend(args.degradations)
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
    if info.domains:
        print(f"domains (with --from): {', '.join(info.domains)}")
    print(f"sizes: {info.min_size}..{info.max_size} px; count: 1..{info.max_count}")
    return 0
