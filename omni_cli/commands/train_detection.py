"""``omni train detection``: a YOLO11 detector from a dataset or a data.yaml, offline, as a job."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from omni_cli.commands.sagemaker_target import add_target_options, run_on_sagemaker, target_from_args
from omni_cli.follow import follow, submit_and_follow
from omni_cli.session import Session, add_backend_options, add_notify_option, local_path, open_session
from protos.omni.v1 import cloud_pb2, datasets_pb2, detection_pb2, jobs_pb2

#: the augmentation knobs operators tune, as options (CLI name -> Ultralytics name)
KNOBS = (
    "hsv_h",
    "hsv_s",
    "hsv_v",
    "degrees",
    "translate",
    "scale",
    "shear",
    "perspective",
    "flipud",
    "fliplr",
    "mosaic",
    "mixup",
    "cutmix",
)
STATUSES = {
    "todo": datasets_pb2.IMAGE_STATUS_TODO,
    "done": datasets_pb2.IMAGE_STATUS_DONE,
    "review": datasets_pb2.IMAGE_STATUS_REVIEW,
}


def register_detection(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "detection",
        help="train a YOLO11 detector on a dataset or a data.yaml",
        description="Train a YOLO detector through Ultralytics, offline: from an architecture (from scratch), a "
        "local .pt or a registered detector. A dataset is exported to YOLO with a deterministic split first. The "
        "run registers detector_<UTC time> (best.pt, ONNX export, model card) and writes a report.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", metavar="NAME", help="a dataset of the backend")
    source.add_argument("--data", metavar="FILE", help="a YOLO data.yaml")
    parser.add_argument(
        "--model",
        default="yolo11n.yaml",
        help="yolo11n.yaml (default), yolo11s.yaml, ..., a local .pt file, or a detector version to fine-tune",
    )
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--imgsz", type=int, default=640, help="training image size (multiple of 32)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:N, a GPU number or mps")
    parser.add_argument(
        "--preset",
        choices=("standard", "few-photos"),
        default="standard",
        help="augmentation: Ultralytics' defaults (standard) or heavy augmentation for a handful of photos",
    )
    knobs = parser.add_argument_group("augmentation overrides (on top of --preset)")
    for name in KNOBS:
        knobs.add_argument(f"--{name.replace('_', '-')}", dest=f"aug_{name}", type=float, metavar="X")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0, help="data loader workers (0 = default, -1 = none)")
    parser.add_argument("--patience", type=int, default=0, help="stop after N epochs without improvement (default 100)")
    parser.add_argument("--val-fraction", type=float, default=0.2, help="--dataset: share of images for validation")
    parser.add_argument(
        "--status",
        action="append",
        choices=tuple(STATUSES),
        help="--dataset: train on images with this status (repeatable; default done)",
    )
    parser.add_argument("--resume", metavar="JOB_ID", help="continue this run from its last epoch, same arguments")
    parser.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(parser)
    add_target_options(parser)
    parser.set_defaults(func=run_detection)
    add_backend_options(parser)


def _model(session: Session, value: str) -> str:
    """A model file typed by the user is relative to their shell; a name or a version stays as it is."""
    path = Path(value).expanduser()
    if value.endswith((".pt", ".yaml", ".yml")) and (path.is_file() or "/" in value):
        return local_path(session, value)
    return value


def spec_from_args(session: Session, args: argparse.Namespace) -> detection_pb2.TrainDetectionSpec:
    overrides = [f"{name}={getattr(args, f'aug_{name}')}" for name in KNOBS if getattr(args, f"aug_{name}") is not None]
    return detection_pb2.TrainDetectionSpec(
        dataset=args.dataset or "",
        data=local_path(session, args.data) if args.data else "",
        model=_model(session, args.model),
        epochs=args.epochs,
        imgsz=args.imgsz,
        batch=args.batch,
        device=args.device,
        preset=args.preset.replace("-", "_"),
        augment=overrides,
        seed=args.seed,
        workers=args.workers,
        patience=args.patience,
        val_fraction=args.val_fraction,
        statuses=[STATUSES[name] for name in args.status or ()],  # type: ignore[misc]
    )


def run_detection(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        if args.resume:
            job = session.connection.resume_job(args.resume)
            print(f"job {job.id} continues {args.resume} with its original arguments", file=sys.stderr)
            return follow(session, job)
        if not (args.dataset or args.data):
            print("omni train detection: give --dataset NAME or --data data.yaml (or --resume JOB_ID)", file=sys.stderr)
            return 2
        spec = spec_from_args(session, args)
        if args.target == "sagemaker":
            cloud = cloud_pb2.SageMakerTrainSpec(detection=spec, target=target_from_args(args))
            return run_on_sagemaker(session, cloud, args)
        return submit_and_follow(session, jobs_pb2.JobSpec(train_detection=spec), detach=args.detach)
