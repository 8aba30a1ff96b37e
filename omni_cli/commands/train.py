"""``omni train restoration``, ``omni train detection`` and ``omni eval``."""

from __future__ import annotations

import argparse
import sys

from google.protobuf import json_format

from desktop.models.evaluation_table import result_text
from omni_cli.commands.sagemaker_target import add_target_options, run_on_sagemaker, target_from_args
from omni_cli.follow import EXIT_FAILED, follow, submit_and_follow
from omni_cli.options import add_param, lowered
from omni_cli.session import add_backend_options, add_notify_option, local_path, open_session
from omni_core.jobkinds import TRAIN_RESTORATION
from protos.omni.v1 import cloud_pb2, jobs_pb2, training_pb2

REMOTE_FOLDERS = (
    "omni eval: --pred and --ref name folders, and this backend is remote: it cannot read folders on this machine. "
    "Score local folders with a backend on this machine (leave out --backend), or pass --on-backend when the "
    "folders are in the remote backend's workspace."
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("train", help="train a model")
    commands = parser.add_subparsers(dest="train_command", required=True, metavar="KIND")
    restoration = commands.add_parser(
        "restoration",
        help="train a restoration model on clean/degraded pairs, or on clean images degraded on the fly",
        description="Train layer 1 (fast CNN) or layer 2 (Restormer-style) on DIR/clean and DIR/degraded (--data), "
        "or on a folder of clean images degraded afresh every epoch (--clean).",
    )
    k = TRAIN_RESTORATION
    restoration.add_argument("--data", help="folder with clean/ and degraded/ (same file names)")
    restoration.add_argument(
        "--clean",
        metavar="DIR",
        help="folder of clean photos or scans (any format and size): random crops degraded afresh every epoch, "
        "reproducibly from --seed; nothing is written",
    )
    add_param(restoration, k, "domain", extra="with --clean", normalise=lowered)
    add_param(restoration, k, "whiten_paper", extra="with --clean documents; default: keep the paper's tone")
    add_param(restoration, k, "layer", default=None)  # None: not given, so --start-from can supply it
    for name in ("epochs", "batch_size", "lr", "max_pairs", "patch", "val_split"):
        add_param(restoration, k, name)
    add_param(restoration, k, "preset", normalise=lowered, default=None)
    for name in ("device", "loss"):
        add_param(restoration, k, name, normalise=lowered)
    add_param(restoration, k, "seed")
    add_param(restoration, k, "num_workers", flag="--workers", dest="workers")
    add_param(restoration, k, "max_minutes")
    add_param(restoration, k, "cpu_minutes")
    add_param(restoration, k, "tier", normalise=lowered)
    add_param(restoration, k, "teacher", metavar="VERSION")
    add_param(restoration, k, "distill_weight", extra="with --teacher", default=0.0)
    add_param(restoration, k, "start_from", metavar="VERSION", extra="leave --layer and --preset out")
    restoration.add_argument(
        "--resume", metavar="JOB_ID", help="continue this run from its last checkpoint, same arguments"
    )
    restoration.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(restoration)
    add_target_options(restoration)
    restoration.set_defaults(func=run_restoration)
    add_backend_options(restoration)

    from omni_cli.commands.train_detection import register_detection

    register_detection(commands)

    evaluate = subparsers.add_parser(
        "eval",
        help="PSNR/SSIM of a folder of images against references, or of a model on real images",
        description="Either --pred and --ref (two folders), or --model VERSION: the model scored on the real-image "
        "set (held-out crops of real photos and scans shipped with installed packages, degraded independently of "
        "our generator) next to the degraded input and OpenCV non-local means (and BM3D with --bm3d), per domain.",
    )
    evaluate.add_argument("--pred", default="", help="folder of restored images")
    evaluate.add_argument("--ref", default="", help="folder of clean references (same names)")
    evaluate.add_argument("--model", default="", help="a restoration model version to score on real images")
    evaluate.add_argument("--bm3d", action="store_true", help="with --model: BM3D as a baseline too (slow)")
    evaluate.add_argument(
        "--self-ensemble",
        action="store_true",
        help="with --model: run it as omni restore --self-ensemble does (8 flips and turns averaged, 8x the time)",
    )
    evaluate.add_argument(
        "--on-backend",
        action="store_true",
        help="--pred and --ref are folders on the backend's machine (in its workspace): needed with a remote "
        "backend, which cannot read this machine's folders",
    )
    evaluate.add_argument("--json", action="store_true", help="print the full result as JSON (the EvaluationResult)")
    evaluate.set_defaults(func=run_eval)
    add_backend_options(evaluate)


def run_restoration(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        if args.resume:
            job = session.connection.resume_job(args.resume)
            print(f"job {job.id} continues {args.resume}", file=sys.stderr)
            return follow(session, job)
        if not args.data and not args.clean:
            print("omni train restoration: --data or --clean is required (or --resume JOB_ID)", file=sys.stderr)
            return 2
        spec = training_pb2.TrainRestorationSpec(
            data=local_path(session, args.data) if args.data else "",
            clean=local_path(session, args.clean) if args.clean else "",
            domain=args.domain if args.clean else "",  # the preset of clean images only
            whiten_paper=args.whiten_paper,
            layer=args.layer or 0,
            epochs=args.epochs,
            batch_size=args.batch_size,
            lr=args.lr,
            max_pairs=args.max_pairs,
            patch=args.patch,
            val_split=args.val_split,
            preset=args.preset or "",
            device=args.device,
            seed=args.seed,
            loss=args.loss,
            num_workers=args.workers,
            max_minutes=args.max_minutes,
            cpu_minutes=args.cpu_minutes,
            tier=args.tier,
            teacher=args.teacher,
            distill_weight=args.distill_weight,
            start_from=args.start_from,
        )
        if args.target == "sagemaker":
            cloud = cloud_pb2.SageMakerTrainSpec(restoration=spec, target=target_from_args(args))
            return run_on_sagemaker(session, cloud, args)
        return submit_and_follow(session, jobs_pb2.JobSpec(train_restoration=spec), detach=args.detach)


def run_eval(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        if (args.pred or args.ref) and not session.local and not args.on_backend:
            print(REMOTE_FOLDERS, file=sys.stderr)
            return 2
        spec = training_pb2.EvaluateSpec(
            pred=local_path(session, args.pred) if args.pred else "",
            ref=local_path(session, args.ref) if args.ref else "",
            model=args.model,
            bm3d=args.bm3d,
            self_ensemble=args.self_ensemble,
        )
        job = session.connection.submit(jobs_pb2.JobSpec(evaluate=spec))
        result: training_pb2.EvaluationResult | None = None
        for event in session.connection.follow_job(job.id):
            if event.HasField("evaluation"):
                result = event.evaluation
        job = session.connection.get_job(job.id)
    if job.state != jobs_pb2.JOB_STATE_SUCCEEDED or result is None:
        print(f"omni eval: {job.message or 'the job sent no result'}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json_format.MessageToJson(result, preserving_proto_field_name=True))
        return 0
    print(result_text(result), end="")
    return 0
