"""Submit a job and follow it to the end: what ``omni synth`` (and later ``train``/``restore``) do."""

from __future__ import annotations

import sys

from desktop.client import BackendError
from desktop.client.connection import TERMINAL_STATES, state_name
from omni_cli.display import JobDisplay
from omni_cli.session import Session
from protos.omni.v1 import jobs_pb2

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


def exit_code_for(job: jobs_pb2.Job) -> int:
    return EXIT_OK if job.state == jobs_pb2.JOB_STATE_SUCCEEDED else EXIT_FAILED


def follow(session: Session, job: jobs_pb2.Job, *, after_seq: int = 0, cancel_on_interrupt: bool = True) -> int:
    """Show the job's events until it ends. Ctrl+C cancels it (``cancel_on_interrupt``) or detaches."""
    connection = session.connection
    with JobDisplay(job) as display:
        last_seq = after_seq
        try:
            for event in connection.follow_job(job.id, after_seq):
                display.show(event)
                last_seq = event.seq
        except KeyboardInterrupt:
            if not cancel_on_interrupt:
                print(f"\nstopped watching; job {job.id} goes on (omni jobs cancel {job.id} stops it)", file=sys.stderr)
                return EXIT_INTERRUPTED
            print(f"\ncancelling job {job.id} ...", file=sys.stderr)
            connection.cancel_job(job.id)
            for event in connection.follow_job(job.id, last_seq):
                display.show(event)
    final = connection.get_job(job.id)
    _print_outcome(final)
    return exit_code_for(final)


def _print_outcome(job: jobs_pb2.Job) -> None:
    if job.state not in TERMINAL_STATES:
        return
    state = state_name(job.state)
    if job.state == jobs_pb2.JOB_STATE_SUCCEEDED:
        where = job.outputs.get("out", "")
        print(f"job {job.id} {state}" + (f": {where}" if where else ""), file=sys.stderr)
        return
    hint = f" (resume: omni jobs resume {job.id})" if job.resumable else ""
    print(f"job {job.id} {state}: {job.message}{hint}", file=sys.stderr)


def submit(session: Session, spec: jobs_pb2.JobSpec) -> jobs_pb2.Job:
    """Submit ``spec`` with the command's ``--notify-url``, if it has one."""
    if session.notify_url and not spec.notify_url:
        spec.notify_url = session.notify_url
    return session.connection.submit(spec)


def submit_and_follow(session: Session, spec: jobs_pb2.JobSpec, *, detach: bool) -> int:
    try:
        job = submit(session, spec)
    except BackendError as error:
        print(f"omni: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"job {job.id} queued", file=sys.stderr)
    if detach:
        if session.embedded:
            print("omni: --detach needs a backend that outlives this command (omni serve)", file=sys.stderr)
        else:
            print(job.id)
            return EXIT_OK
    return follow(session, job)
