"""``omni train detection``: a YOLO11 detector from a dataset or a data.yaml, offline, as a job."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from omni_cli.commands.sagemaker_target import add_target_options, run_on_sagemaker, target_from_args
from omni_cli.follow import follow, submit_and_follow
from omni_cli.options import add_param, help_text
from omni_cli.session import Session, add_backend_options, add_notify_option, local_path, open_session
from omni_core.jobkinds import TRAIN_DETECTION
from omni_core.jobkinds.training import IMAGE_STATUSES
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
#: --status NAME -> omni.v1.ImageStatus, for the statuses the table describes
STATUSES = {name: datasets_pb2.ImageStatus.Value(f"IMAGE_STATUS_{name.upper()}") for name in IMAGE_STATUSES}


def _preset(text: str) -> str:
    return text.strip().lower().replace("-", "_")


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
    k = TRAIN_DETECTION
    add_param(parser, k, "model", extra="e.g. yolo11s.yaml")
    for name in ("epochs", "imgsz", "batch", "device"):
        add_param(parser, k, name)
    add_param(parser, k, "preset", normalise=_preset, extra="few-photos is accepted too")
    knobs = parser.add_argument_group("augmentation overrides (on top of --preset)")
    for name in KNOBS:
        knobs.add_argument(f"--{name.replace('_', '-')}", dest=f"aug_{name}", type=float, metavar="X")
    add_param(parser, k, "seed")
    add_param(parser, k, "workers")
    add_param(parser, k, "patience")
    add_param(parser, k, "val_fraction", extra="with --dataset")
    parser.add_argument(
        "--status",
        action="append",
        choices=k["statuses"].choices,
        help=help_text(k["statuses"], extra="with --dataset; repeatable", default=False)
        + f"; default {','.join(k['statuses'].list_default)}",
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
        preset=args.preset,
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
