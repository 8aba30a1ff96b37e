"""The Jobs service: validate, call the job manager, convert. Errors map in ``backend.rpc.errors``."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc

from backend.jobs.manager import JobManager
from backend.jobs.records import JobRecord, JobState
from backend.rpc import convert, jobkinds_convert
from backend.rpc.caller import current_caller
from backend.rpc.paging import offset_from_token, within_budget
from backend.webhooks.service import WebhookService
from omni_core.errors import InvalidArgument, OmniError
from protos.omni.v1 import jobs_pb2, jobs_pb2_grpc

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
WAIT_S = 1.0
EVENTS_PER_MESSAGE = 500


def _require_id(job_id: str) -> str:
    if not job_id:
        raise InvalidArgument("job_id", "is required")
    return job_id


def _states(values: object) -> list[JobState]:
    states = []
    for value in values:  # type: ignore[attr-defined]
        if value not in convert.STATE_FROM_PROTO:
            raise InvalidArgument("states", f"{value} is not a job state")
        states.append(convert.STATE_FROM_PROTO[value])
    return states


#: the label a job submitted with a named token carries: the token's name
SUBMITTED_BY_LABEL = "submitted_by"


class JobsServicer(jobs_pb2_grpc.JobsServicer):
    def __init__(self, manager: JobManager, webhooks: WebhookService | None = None) -> None:
        self.manager = manager
        self.webhooks = webhooks

    def SubmitJob(self, request: jobs_pb2.SubmitJobRequest, context: grpc.ServicerContext) -> jobs_pb2.Job:
        kind = request.spec.WhichOneof("spec") or ""
        try:
            kind, params = convert.spec_to_params(request.spec)
            labels = dict(request.labels)
            caller = current_caller()
            if caller is not None and caller.named:  # who submitted it, as the token names them
                labels[SUBMITTED_BY_LABEL] = caller.name
            return convert.job_to_proto(self._submit(kind, params, labels, request.spec.notify_url))
        except OmniError as error:  # the job kind's checks name its own fields: name them from the request
            raise error.within(f"spec.{kind}.", unless=("spec", "labels", f"{kind}.")) from None

    def _submit(self, kind: str, params: object, labels: dict[str, str], notify_url: str) -> JobRecord:
        webhooks = self.webhooks
        if not notify_url:
            return self.manager.submit(kind, params, labels=labels)
        if webhooks is None:
            raise InvalidArgument("spec.notify_url", "this backend sends no webhooks")
        webhooks.check_notify_url(notify_url)  # before the job exists: a bad URL queues nothing
        return self.manager.submit(
            kind, params, labels=labels, on_queued=lambda job: webhooks.set_notify_url(job.id, notify_url)
        )

    def DescribeJobKinds(
        self, request: jobs_pb2.DescribeJobKindsRequest, context: grpc.ServicerContext
    ) -> jobs_pb2.DescribeJobKindsResponse:
        return jobkinds_convert.describe(request.kinds)

    def GetJob(self, request: jobs_pb2.GetJobRequest, context: grpc.ServicerContext) -> jobs_pb2.Job:
        return convert.job_to_proto(self.manager.get(_require_id(request.job_id)))

    def ListJobs(self, request: jobs_pb2.ListJobsRequest, context: grpc.ServicerContext) -> jobs_pb2.ListJobsResponse:
        if request.page_size < 0:
            raise InvalidArgument("page_size", "must not be negative")
        size = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        offset = offset_from_token(request.page_token, "ListJobs")
        jobs = self.manager.list_jobs(
            states=_states(request.states), kinds=list(request.kinds), limit=size + 1, offset=offset
        )
        page = within_budget(convert.job_to_proto(job) for job in jobs[:size])  # a short page beats a refused one
        next_token = str(offset + len(page)) if len(jobs) > len(page) else ""
        return jobs_pb2.ListJobsResponse(jobs=page, next_page_token=next_token)

    def CancelJob(self, request: jobs_pb2.CancelJobRequest, context: grpc.ServicerContext) -> jobs_pb2.Job:
        return convert.job_to_proto(self.manager.cancel(_require_id(request.job_id)))

    def ResumeJob(self, request: jobs_pb2.ResumeJobRequest, context: grpc.ServicerContext) -> jobs_pb2.Job:
        return convert.job_to_proto(self.manager.resume(_require_id(request.job_id)))

    def WatchJob(
        self, request: jobs_pb2.WatchJobRequest, context: grpc.ServicerContext
    ) -> Iterator[jobs_pb2.WatchJobResponse]:
        job_id = _require_id(request.job_id)
        if request.after_seq < 0:
            raise InvalidArgument("after_seq", "must not be negative")
        self.manager.get(job_id)  # NOT_FOUND before the stream starts
        closed = threading.Event()
        context.add_callback(closed.set)
        after = request.after_seq
        while not closed.is_set():
            version = self.manager.version
            events = self.manager.events_after(job_id, after, limit=EVENTS_PER_MESSAGE)
            if events:
                batch = within_budget(convert.event_to_proto(event) for event in events)
                yield jobs_pb2.WatchJobResponse(events=batch)
                after = batch[-1].seq
                continue
            job = self.manager.get(job_id)
            if job.state.terminal and job.last_seq <= after:
                return
            self.manager.wait_for_change(version, WAIT_S)

    def WatchJobs(
        self, request: jobs_pb2.WatchJobsRequest, context: grpc.ServicerContext
    ) -> Iterator[jobs_pb2.JobUpdate]:
        states, kinds = _states(request.states), set(request.kinds)
        if not 0 <= request.limit <= MAX_PAGE_SIZE:
            raise InvalidArgument("limit", f"{request.limit}: must be between 0 (the default, 200) and {MAX_PAGE_SIZE}")

        def wanted(job: JobRecord) -> bool:
            return (not states or job.state in states) and (not kinds or job.kind in kinds)

        closed = threading.Event()
        context.add_callback(closed.set)
        version = self.manager.version
        for job in self.manager.list_jobs(states=states, kinds=list(kinds), limit=request.limit or 200):
            yield jobs_pb2.JobUpdate(job=convert.job_to_proto(job), snapshot=True)
        yield jobs_pb2.JobUpdate(snapshot_done=True)
        while not closed.is_set():
            current = self.manager.wait_for_change(version, WAIT_S)
            if current == version:
                continue
            changed = self.manager.changed_jobs_since(version)
            version = current
            if changed is None:  # fell too far behind: send every matching job again
                jobs = self.manager.list_jobs(states=states, kinds=list(kinds), limit=request.limit or 200)
            else:
                jobs = [self.manager.get(job_id) for job_id in changed]
            for job in jobs:
                if wanted(job):
                    yield jobs_pb2.JobUpdate(job=convert.job_to_proto(job))
