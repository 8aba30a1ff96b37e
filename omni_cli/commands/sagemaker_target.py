"""``--target sagemaker`` for ``omni train restoration|detection``: the same training, run on AWS SageMaker.

The options map one to one onto ``SageMakerTarget`` (protos/omni/v1/cloud.proto), whose comments name the
defaults; the backend fills and checks them, so no default is repeated here.
"""

from __future__ import annotations

import argparse
import sys

from omni_cli.follow import submit_and_follow
from omni_cli.session import Session
from protos.omni.v1 import cloud_pb2, jobs_pb2

TARGETS = ("local", "sagemaker")


def add_target_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("where to train (--target sagemaker: on AWS SageMaker, result registered here)")
    group.add_argument("--target", choices=TARGETS, default="local", help="local (this backend, default) or sagemaker")
    group.add_argument("--instance-type", default="", help="SageMaker instance type (default ml.g4dn.xlarge)")
    group.add_argument("--instance-count", type=int, default=0, help="instances (default 1)")
    group.add_argument("--spot", action="store_true", help="use Managed Spot capacity (cheaper, may be interrupted)")
    group.add_argument("--max-run", type=int, default=0, metavar="SECONDS", help="stop after this long (default 14400)")
    group.add_argument(
        "--max-wait", type=int, default=0, metavar="SECONDS", help="with --spot: run plus waiting (default 18000)"
    )
    group.add_argument("--role", default="", help="IAM role ARN (default: the backend's OMNI_SAGEMAKER_ROLE)")
    group.add_argument("--region", default="", help="AWS region (default: the remote's)")
    group.add_argument("--image", default="", help="training image URI (default: the region's PyTorch image)")
    group.add_argument("--volume-gb", type=int, default=0, help="training volume in GB (default 30)")
    group.add_argument(
        "--dry-run", action="store_true", help="print the request and the estimated cost; create nothing"
    )


def target_from_args(args: argparse.Namespace) -> cloud_pb2.SageMakerTarget:
    return cloud_pb2.SageMakerTarget(
        instance_type=args.instance_type,
        instance_count=args.instance_count,
        spot=args.spot,
        max_run_seconds=args.max_run,
        max_wait_seconds=args.max_wait,
        role=args.role,
        region=args.region,
        image=args.image,
        volume_gb=args.volume_gb,
    )


def run_on_sagemaker(session: Session, spec: cloud_pb2.SageMakerTrainSpec, args: argparse.Namespace) -> int:
    """``--dry-run``: the plan, printed whole, nothing created. Otherwise a ``train_sagemaker`` job of the backend,
    followed like a local run (status, CloudWatch lines and curves), whose model is registered here."""
    if not args.dry_run:
        return submit_and_follow(session, jobs_pb2.JobSpec(train_sagemaker=spec), detach=args.detach)
    plan = session.connection.plan_training(spec)
    print(plan.request_json)
    print(f"SageMaker training job {plan.training_job_name}", file=sys.stderr)
    for uri in plan.uploads:
        print(f"  would upload {uri}", file=sys.stderr)
    print(f"  cost: {plan.estimate.summary}", file=sys.stderr)
    print("dry run: nothing was created or uploaded", file=sys.stderr)
    return 0
