"""``omni detect IN OUT`` (batch detection of a folder) and ``omni prelabel DATASET`` (suggestions on every
todo image of a dataset, which then become review).

Against a backend on this machine ``omni detect`` runs a ``detect_batch`` job that reads IN and writes OUT in
place. Against a remote backend (or with ``--remote``) the images are streamed to it and the outputs drawn and
written here (``omni_core.batch.remote_detect``): the same files, the same resume rule, the display and exit
codes of a streamed ``omni restore`` (Ctrl+C stops the stream; only whole outputs are left).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.client import BackendError
from omni_cli.commands.restore import EXIT_SOME_FAILED
from omni_cli.follow import EXIT_FAILED, EXIT_OK, submit_and_follow
from omni_cli.options import add_param, help_text
from omni_cli.session import Session, add_backend_options, add_notify_option, local_path, open_session
from omni_cli.streamed import stream_run
from omni_core.jobkinds import DETECT_BATCH
from protos.omni.v1 import detection_pb2, jobs_pb2


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "detect",
        help="detect objects in a folder of images with a registered detector",
        description="Detect objects in every image of IN with a registered detector (its ONNX export). OUT "
        "gets, per image, annotated/NAME (boxes drawn), labels/NAME.txt (YOLO, confidence last) and "
        "records/NAME.json; then summary.json, summary.csv (per image) and detections.csv (per box). "
        "A second run skips images already done (resume); unreadable files are listed and skipped. "
        "Against a backend on this machine the job reads and writes the folders in place; against a remote one "
        "(or with --remote) the images are streamed to it and the outputs written here.",
        epilog="exit status: 0 done, 1 error, 3 (streamed runs) finished but some images could not be read, "
        "130 interrupted",
    )
    k = DETECT_BATCH
    parser.add_argument("input", metavar="IN", help=k["input"].help)
    parser.add_argument("out", metavar="OUT", help=k["out"].help)
    add_param(parser, k, "model")
    add_param(parser, k, "conf")
    add_param(parser, k, "iou")
    add_param(parser, k, "max_det")
    add_param(parser, k, "recursive")
    parser.add_argument(
        "--resume",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="skip images already done with the same model and settings (default); --no-resume redoes them",
    )
    provider = k["require_provider"]
    parser.add_argument(
        "--require-provider", choices=provider.suggestions, default=provider.default, help=help_text(provider)
    )
    parser.add_argument(
        "--remote",
        action="store_true",
        help="stream the images to the backend even when it runs on this machine (automatic for a remote one)",
    )
    parser.add_argument("--detach", action="store_true", help="print the job id and return (local runs only)")
    add_notify_option(parser)
    parser.set_defaults(func=run_detect)
    add_backend_options(parser)

    prelabel = subparsers.add_parser(
        "prelabel",
        help="suggest boxes on every todo image of a dataset (they become review)",
        description="Run a detector on every todo image of DATASET and save its boxes as suggestions (with "
        "confidence); those images become review. Boxes people drew are kept. Run it again to continue.",
    )
    prelabel.add_argument("dataset", metavar="DATASET")
    add_param(prelabel, k, "model")
    add_param(prelabel, k, "conf")  # a suggestion's thresholds are batch detection's
    add_param(prelabel, k, "iou")
    prelabel.add_argument("--detach", action="store_true", help="print the job id and return")
    add_notify_option(prelabel)
    prelabel.set_defaults(func=run_prelabel)
    add_backend_options(prelabel)


def run_detect(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        if args.remote or not session.local:
            return _run_remote(session, args)
        spec = detection_pb2.DetectBatchSpec(
            input=local_path(session, args.input),
            out=local_path(session, args.out),
            model=args.model,
            conf=args.conf,
            iou=args.iou,
            max_det=args.max_det,
            recursive=args.recursive,
            overwrite=not args.resume,
            require_provider=args.require_provider or "",
        )
        code = submit_and_follow(session, jobs_pb2.JobSpec(detect_batch=spec), detach=args.detach)
        if code != EXIT_OK or args.detach or not session.local:
            return code
        return _print_summary(Path(spec.out) / "summary.json")


def _run_remote(session: Session, args: argparse.Namespace) -> int:
    from omni_core.batch.remote_detect import STOPPED, RemoteDetect, detect_remote
    from omni_core.detection.batch_output import SUMMARY_JSON

    if args.detach:
        print(
            "omni: --detach needs a job on the backend; a streamed run lasts as long as this command", file=sys.stderr
        )
        return EXIT_FAILED
    request = RemoteDetect(
        input=Path(args.input),
        out=Path(args.out),
        model=args.model,
        conf=args.conf,
        iou=args.iou,
        max_det=args.max_det,
        require_provider=args.require_provider or "",
        recursive=args.recursive,
        overwrite=not args.resume,
    )
    job = jobs_pb2.Job(id="detect (streamed)", kind="detect_batch")
    streamed = stream_run(
        job,
        lambda **hooks: detect_remote(session.connection, request, **hooks),
        stopped=lambda result: result.state == STOPPED,
    )
    if streamed.result is None:
        return streamed.code
    code = _print_summary(request.out / SUMMARY_JSON)
    return EXIT_SOME_FAILED if code == EXIT_OK and streamed.result.failed else code


def _print_summary(path: Path) -> int:
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return EXIT_OK
    counts = ", ".join(f"{name} {count}" for name, count in summary["counts_by_class"].items() if count) or "none"
    print(f"{summary['images']} images, {summary['detections']} detections ({counts}); summary: {path}")
    if entered := summary.get("subfolders_not_entered", 0):
        print(f"{entered} subfolder(s) not entered: run with --recursive to detect in their images")
    for problem in summary.get("problems", []):
        print(f"{problem['status']} {problem['file']}: {problem['reason']}", file=sys.stderr)
    return EXIT_OK


def run_prelabel(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        spec = detection_pb2.PrelabelSpec(dataset=args.dataset, model=args.model, conf=args.conf, iou=args.iou)
        try:
            return submit_and_follow(session, jobs_pb2.JobSpec(prelabel=spec), detach=args.detach)
        except BackendError as error:
            print(f"omni prelabel: {error}", file=sys.stderr)
            return EXIT_FAILED
