"""``omni jobs list|show|watch|cancel|resume``."""

from __future__ import annotations

import argparse
import json

from desktop.client.connection import TERMINAL_STATES
from omni_cli.display import event_line, job_dict, print_jobs
from omni_cli.follow import EXIT_OK, exit_code_for, follow
from omni_cli.session import add_backend_options, open_session
from protos.omni.v1 import jobs_pb2

STATE_NAMES = ["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("jobs", help="list, show, watch, cancel and resume jobs")
    commands = parser.add_subparsers(dest="jobs_command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="jobs, newest first")
    listing.add_argument("--state", action="append", choices=STATE_NAMES, help="only these states (repeatable)")
    listing.add_argument("--kind", action="append", help="only these kinds (repeatable)")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_list)

    show = commands.add_parser("show", help="one job with its events")
    show.add_argument("job_id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    watch = commands.add_parser("watch", help="follow a job's events until it ends (Ctrl+C stops watching only)")
    watch.add_argument("job_id")
    watch.add_argument("--after", type=int, default=0, metavar="SEQ", help="only events after this sequence number")
    watch.set_defaults(func=run_watch)

    cancel = commands.add_parser("cancel", help="stop a job")
    cancel.add_argument("job_id")
    cancel.set_defaults(func=run_cancel)

    resume = commands.add_parser("resume", help="continue an interrupted, cancelled or failed job in a new job")
    resume.add_argument("job_id")
    resume.add_argument("--detach", action="store_true", help="print the new job's id and return")
    resume.set_defaults(func=run_resume)

    for sub in (listing, show, watch, cancel, resume):
        add_backend_options(sub)


def _state_value(name: str) -> int:
    return jobs_pb2.JobState.Value(f"JOB_STATE_{name.upper()}")


def run_list(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        jobs = session.connection.list_jobs(
            states=[_state_value(s) for s in args.state or []], kinds=args.kind or [], limit=args.limit
        )
    print_jobs(jobs, as_json=args.json)
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        job = session.connection.get_job(args.job_id)
        events = list(session.connection.watch_job(job.id)) if job.state in TERMINAL_STATES else []
    if args.json:
        print(json.dumps(job_dict(job), indent=2))
        return EXIT_OK
    for key, value in job_dict(job).items():
        if key not in ("spec", "progress"):
            print(f"{key:<13} {value}")
    spec = job_dict(job).get("spec", {})
    print(f"{'spec':<13} {json.dumps(spec)}")
    if events:
        print("events:")
        for event in events:
            line = event_line(event, every_item=True)  # the full log: every file's outcome
            if line:
                print(f"  {event.seq:>5}  {line}")
    return EXIT_OK


def run_watch(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        job = session.connection.get_job(args.job_id)
        return follow(session, job, after_seq=args.after, cancel_on_interrupt=False)


def run_cancel(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        job = session.connection.cancel_job(args.job_id)
        if job.state in TERMINAL_STATES:
            print(f"job {job.id} is {job_dict(job)['state']}")
            return EXIT_OK
        for _event in session.connection.follow_job(job.id, job.last_seq):
            pass
        job = session.connection.get_job(job.id)
    print(f"job {job.id} is {job_dict(job)['state']}")
    return EXIT_OK if job.state in TERMINAL_STATES else exit_code_for(job)


def run_resume(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        job = session.connection.resume_job(args.job_id)
        print(f"job {job.id} continues {args.job_id}", flush=True)
        if args.detach and not session.embedded:
            print(job.id)
            return EXIT_OK
        return follow(session, job)
