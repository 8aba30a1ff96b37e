"""Training runs among the backend's jobs, how one reads in a list, and the event stream of a run.

A run that was resumed is a chain of jobs (``Job.resumed_from``); ``follow_run`` streams the events of the
jobs it continues and then its own, tagged with their job id, so ``TrainingRunModel`` draws one run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from desktop.client import BackendError, Connection
from desktop.models.formatting import format_timestamp
from desktop.models.job_text import is_active, progress_percent, state_text
from desktop.models.jobs_model import JobsModel
from desktop.models.training_run import SAGEMAKER, training_kind
from protos.omni.v1 import jobs_pb2

TRAIN_KIND = "train_restoration"
DETECTION_KIND = "train_detection"
TRAIN_KINDS = frozenset({TRAIN_KIND, DETECTION_KIND, SAGEMAKER})
MAX_CHAIN = 32  # resumes followed back; a longer chain shows its newest jobs


def training_jobs(jobs: JobsModel) -> list[jobs_pb2.Job]:
    """The training jobs the backend reported, newest first."""
    return [job for job in jobs.jobs() if job.kind in TRAIN_KINDS]


def default_run(jobs: list[jobs_pb2.Job]) -> jobs_pb2.Job | None:
    """What to show when nothing is chosen: the newest running (or queued) run, else the newest run."""
    return next((job for job in jobs if is_active(job)), jobs[0] if jobs else None)


def run_label(job: jobs_pb2.Job) -> str:
    """``"18:25:23 · layer 1 tiny · 2 epochs · running 37%"`` (or ``"· detector yolo11n · parts ·"``)."""
    cloud = job.kind == SAGEMAKER
    if training_kind(job) == DETECTION_KIND:
        detection = job.spec.train_sagemaker.detection if cloud else job.spec.train_detection
        model = (detection.model or "yolo11n.yaml").removesuffix(".yaml")
        source = detection.dataset or (detection.data.rsplit("/", 1)[-1] if detection.data else "")
        what = [f"detector {model}", *([source] if source else []), f"{detection.epochs or 100} epochs"]
    else:
        spec = job.spec.train_sagemaker.restoration if cloud else job.spec.train_restoration
        what = [f"layer {spec.layer or 2} {spec.preset or 'tiny'}", f"{spec.epochs or 10} epochs"]
    if cloud:
        what.append("on SageMaker")
    parts = [format_timestamp(job.created_at), *what]
    state = state_text(job)
    percent = progress_percent(job)
    if is_active(job) and percent is not None:
        state += f" {percent}%"
    if job.resumed_from:
        state += " (resumed)"
    return " · ".join([*parts, state])


def report_id(job: jobs_pb2.Job | None) -> str:
    """The id of the run's report ("" until it is written)."""
    return job.outputs.get("report", "") if job is not None else ""


def model_version(job: jobs_pb2.Job | None) -> str:
    return job.outputs.get("model_version", "") if job is not None else ""


def resume_chain(connection: Connection, job_id: str) -> list[str]:
    """``[first job, ..., job_id]``: the jobs ``job_id`` continues, oldest first."""
    chain = [job_id]
    parent = connection.get_job(job_id).resumed_from
    while parent and parent not in chain and len(chain) < MAX_CHAIN:
        chain.insert(0, parent)
        try:
            parent = connection.get_job(parent).resumed_from
        except BackendError as error:
            if error.code != "NOT_FOUND":
                raise
            chain.pop(0)  # forgotten by the backend: start the run where its log starts
            break
    return chain


def follow_run(
    connection: Connection, job_id: str, should_stop: Callable[[], bool]
) -> Iterator[tuple[str, jobs_pb2.JobEvent]]:
    """``(job id, event)`` for every event of the run from its first job's first event, then live until it ends."""
    for member in resume_chain(connection, job_id):
        for event in connection.follow_job(member, 0, should_stop=should_stop):
            yield member, event
        if should_stop():
            return
