"""``omni restore IN OUT``: restore a folder of images with a registered restoration model.

Against a backend on this machine it runs as a job that reads IN and writes OUT in place (Ctrl+C cancels
it; ``omni jobs resume`` or the same command again finishes it). Against a remote backend (or with
``--remote``) the images are streamed to it and the results written here, with the same resume rule and
the same summary (Ctrl+C stops the stream: only whole outputs are left). The desktop runs the same streamed
restore (``omni_core.batch.remote.restore_remote``) in-process.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from omni_cli.follow import EXIT_INTERRUPTED, EXIT_OK, follow, submit
from omni_cli.options import Spelling, add_param, help_text, lowered
from omni_cli.session import Session, add_backend_options, add_notify_option, local_path, open_session
from omni_cli.streamed import stream_run
from omni_core.batch.params import AUTO_TILE, NO_OVERLAP, WHOLE_IMAGE
from omni_core.jobkinds import RESTORE_BATCH
from protos.omni.v1 import batch_pb2, jobs_pb2

if TYPE_CHECKING:
    from omni_core.batch.remote import RemoteRestore

EXIT_SOME_FAILED = 3
#: the CLI's words for the spec's special tile and overlap: ``--tile 0`` = whole images, no ``--tile`` = auto,
#: ``--overlap 0`` = none (the spec's zero means "default"); the parsed values are the spec's
TILE_SPELLING: Spelling = {WHOLE_IMAGE: 0, AUTO_TILE: None}
OVERLAP_SPELLING: Spelling = {NO_OVERLAP: 0}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "restore",
        help="restore a folder of images with a registered restoration model",
        description="Restore every image of IN into OUT (same names, sizes and modes) with a registered "
        "restoration model. Against a backend on this machine the job reads and writes the folders in place; "
        "against a remote one (or with --remote) the images are streamed to it and the results written here. "
        "Outputs are written whole or not at all; a second run skips complete outputs (resume). A summary "
        "(restore-summary.json/.txt) lands in OUT.",
        epilog="exit status: 0 all restored, 1 error, 3 finished but some images failed (see the summary), "
        "130 interrupted",
    )
    k = RESTORE_BATCH
    parser.add_argument("input", metavar="IN", help=k["input"].help)
    parser.add_argument("out", metavar="OUT", help=k["out"].help)
    add_param(parser, k, "model")
    add_param(parser, k, "layer")
    add_param(parser, k, "tier", normalise=lowered)
    add_param(parser, k, "recursive")
    add_param(parser, k, "tile", spelling=TILE_SPELLING)
    add_param(parser, k, "overlap", spelling=OVERLAP_SPELLING)
    add_param(parser, k, "format", normalise=lowered)
    add_param(parser, k, "quality")
    parser.add_argument(
        "--resume",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="skip images whose output is already complete (default); --no-resume redoes them",
    )
    add_param(parser, k, "ref", metavar="DIR")
    provider = k["require_provider"]
    parser.add_argument(
        "--require-provider", choices=provider.suggestions, default=provider.default, help=help_text(provider)
    )
    add_param(parser, k, "batch_size")
    add_param(parser, k, "precision", normalise=lowered)
    add_param(parser, k, "self_ensemble")
    parser.add_argument(
        "--remote",
        action="store_true",
        help="stream the images to the backend even when it runs on this machine (automatic for a remote one)",
    )
    parser.add_argument("--detach", action="store_true", help="print the job id and return (local runs only)")
    add_notify_option(parser)
    parser.set_defaults(func=run_restore)
    add_backend_options(parser)


def run_restore(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        if args.remote or not session.local:
            return _run_remote(session, args)
        return _run_local(session, args)


def _run_local(session: Session, args: argparse.Namespace) -> int:
    spec = batch_pb2.RestoreBatchSpec(
        input=local_path(session, args.input),
        out=local_path(session, args.out),
        model=args.model,
        layer=args.layer,
        recursive=args.recursive,
        tile=args.tile,
        overlap=args.overlap,
        format=args.format,
        quality=args.quality,
        overwrite=not args.resume,
        ref=local_path(session, args.ref) if args.ref else "",
        require_provider=args.require_provider,
        batch_size=args.batch_size,
        tier=args.tier,
        precision=args.precision,
        self_ensemble=args.self_ensemble,
    )
    job = submit(session, jobs_pb2.JobSpec(restore_batch=spec))
    print(f"job {job.id} queued", file=sys.stderr)
    if args.detach and not session.embedded:
        print(job.id)
        return EXIT_OK
    if args.detach:
        print("omni: --detach needs a backend that outlives this command (omni serve)", file=sys.stderr)
    code = follow(session, job)
    final = session.connection.get_job(job.id)
    if final.state == jobs_pb2.JOB_STATE_CANCELLED:
        print(f"stopped: the outputs written are whole; 'omni jobs resume {job.id}' finishes", file=sys.stderr)
        return EXIT_INTERRUPTED
    text = final.outputs.get("summary_text", "")
    if text and Path(text).is_file():
        print(Path(text).read_text(encoding="utf-8"), end="")
    if code == EXIT_OK and int(final.outputs.get("failed", "0") or 0):
        return EXIT_SOME_FAILED
    return code


def _remote_request(args: argparse.Namespace) -> RemoteRestore:
    from omni_core.batch.params import RestoreOptions
    from omni_core.batch.remote import RemoteRestore

    options = RestoreOptions(
        model=args.model,
        layer=args.layer,
        tile=args.tile,
        overlap=args.overlap,
        format=args.format,
        quality=args.quality,
        require_provider=args.require_provider,
        batch_size=args.batch_size,
        tier=args.tier,
        precision=args.precision,
        self_ensemble=args.self_ensemble,
    )
    return RemoteRestore(
        input=Path(args.input),
        out=Path(args.out),
        options=options,
        recursive=args.recursive,
        overwrite=not args.resume,
        ref=Path(args.ref) if args.ref else None,
    )


def _run_remote(session: Session, args: argparse.Namespace) -> int:
    from omni_core.batch.formats import SUMMARY_TEXT
    from omni_core.batch.remote import restore_remote

    request = _remote_request(args)
    job = jobs_pb2.Job(id="restore (streamed)", kind="restore_batch")
    streamed = stream_run(
        job,
        lambda **hooks: restore_remote(session.connection, request, **hooks),
        stopped=lambda summary: summary.state == "stopped",
    )
    if streamed.result is None:
        return streamed.code
    print((request.out / SUMMARY_TEXT).read_text(encoding="utf-8"), end="")
    return EXIT_SOME_FAILED if streamed.result.failed else EXIT_OK
