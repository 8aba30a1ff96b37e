"""Hostile requests on a real loopback backend: bodies that are not protobuf, fields beyond their limits,
page tokens SQLite cannot take, values too long to echo; and responses that stay within what an ordinary
client accepts (4 MiB) however large the stored jobs and events are."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable, Iterator

import grpc
import pytest

from backend.jobs.records import EventType
from backend.rpc import limits
from backend.rpc.server import Backend
from protos.omni.v1 import datasets_pb2, datasets_pb2_grpc, jobs_pb2, jobs_pb2_grpc, reports_pb2, reports_pb2_grpc
from tests.backend.conftest import TOKEN
from tests.helpers import restoration_spec

AUTH = (("authorization", f"Bearer {TOKEN}"),)
NOT_PROTOBUF = b"\x0a\xff\xff\xff\xff\x0f"  # field 1 with a length far beyond the body


@pytest.fixture
def held(make_backend: Callable[..., Backend]) -> Backend:
    backend = make_backend()
    backend.manager.hold()  # jobs submitted here are recorded, none runs
    return backend


@pytest.fixture
def channel(held: Backend) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{held.port}") as channel:  # default options: 4 MiB receive limit
        yield channel


def _error(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


def _raw(channel: grpc.Channel, metadata: tuple[tuple[str, str], ...] = AUTH) -> dict[str, grpc.RpcError]:
    """A body that is not protobuf sent to a unary (GetJob), a server-streaming (WatchJobs) and a
    client-streaming (UploadImages) method."""
    return {
        "unary": _error(
            lambda: channel.unary_unary("/omni.v1.Jobs/GetJob")(NOT_PROTOBUF, metadata=metadata, timeout=10)
        ),
        "server stream": _error(
            lambda: list(channel.unary_stream("/omni.v1.Jobs/WatchJobs")(NOT_PROTOBUF, metadata=metadata, timeout=10))
        ),
        "client stream": _error(
            lambda: channel.stream_unary("/omni.v1.Datasets/UploadImages")(
                iter([NOT_PROTOBUF]), metadata=metadata, timeout=10
            )
        ),
    }


def test_a_body_that_is_not_protobuf_is_invalid_argument_naming_the_type(channel: grpc.Channel) -> None:
    errors = _raw(channel)
    assert {kind: error.code() for kind, error in errors.items()} == dict.fromkeys(
        errors, grpc.StatusCode.INVALID_ARGUMENT
    )
    assert errors["unary"].details() == "request: the body is not a valid omni.v1.GetJobRequest"
    assert "omni.v1.WatchJobsRequest" in (errors["server stream"].details() or "")
    assert "omni.v1.UploadChunk" in (errors["client stream"].details() or "")


def test_without_a_token_an_unreadable_body_is_unauthenticated(channel: grpc.Channel) -> None:
    errors = _raw(channel, metadata=())
    assert {kind: error.code() for kind, error in errors.items()} == dict.fromkeys(
        errors, grpc.StatusCode.UNAUTHENTICATED
    )


def test_fields_beyond_their_limits_are_named_with_the_limit(channel: grpc.Channel) -> None:
    jobs = jobs_pb2_grpc.JobsStub(channel)
    spec = restoration_spec("out", count=1)

    def refused(request: jobs_pb2.SubmitJobRequest) -> str:
        error = _error(lambda: jobs.SubmitJob(request, metadata=AUTH, timeout=10))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        return error.details() or ""

    many = {f"k{i}": "v" * 10 for i in range(5000)}
    assert refused(jobs_pb2.SubmitJobRequest(spec=spec, labels=many)) == "labels: 5000 entries, at most 64"
    long_key = refused(jobs_pb2.SubmitJobRequest(spec=spec, labels={"k" * 100: "v"}))
    assert long_key.startswith("labels: the key of entry 'kkk") and long_key.endswith("100 characters, at most 63")
    long_value = refused(jobs_pb2.SubmitJobRequest(spec=spec, labels={"team": "v" * 1024}))
    assert long_value == "labels: the value of entry 'team': 1024 characters, at most 256"
    degradations = jobs_pb2.JobSpec()
    degradations.CopyFrom(spec)
    degradations.synth_restoration.degradations.extend(["blur"] * 1001)
    assert refused(jobs_pb2.SubmitJobRequest(spec=degradations)) == (
        "spec.synth_restoration.degradations: 1001 items, at most 1000"
    )
    nul = jobs_pb2.JobSpec()
    nul.CopyFrom(spec)
    nul.synth_restoration.out = "a\x00b"
    assert refused(jobs_pb2.SubmitJobRequest(spec=nul)) == "spec.synth_restoration.out: contains a NUL character"

    error = _error(lambda: jobs.GetJob(jobs_pb2.GetJobRequest(job_id="j" * 5000), metadata=AUTH, timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "job_id: 5000 characters, at most 4096"
    request = jobs_pb2.ListJobsRequest(states=[jobs_pb2.JOB_STATE_QUEUED, 42])  # type: ignore[list-item]
    error = _error(lambda: jobs.ListJobs(request, metadata=AUTH, timeout=10))
    assert (error.code(), error.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "states[1]: 42 is not a value of omni.v1.JobState",
    )
    assert jobs.SubmitJob(
        jobs_pb2.SubmitJobRequest(spec=spec, labels={"k" * 63: "v" * 256}), metadata=AUTH, timeout=10
    ).labels == {"k" * 63: "v" * 256}


def test_a_request_beyond_its_byte_limit_is_resource_exhausted_with_the_limit(channel: grpc.Channel) -> None:
    body = jobs_pb2.SubmitJobRequest(spec=restoration_spec("x" * 4000, count=1))
    body.spec.synth_restoration.degradations.extend(["d" * 4000] * 100)  # each field within its limits
    error = _error(lambda: jobs_pb2_grpc.JobsStub(channel).SubmitJob(body, metadata=AUTH, timeout=10))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    limit = limits.REQUEST_LIMITS["omni.v1.SubmitJobRequest"]
    assert error.details() == (
        f"request: {body.ByteSize()} bytes, more than the {limit} an omni.v1.SubmitJobRequest may have"
    )


def _images_token(key: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": "position", "s": 0, "k": key}).encode()).decode().rstrip("=")


@pytest.mark.parametrize("token", ["99999999999999999999", "-5", "1e3", "١٢"])
def test_a_list_jobs_token_sqlite_cannot_take_is_invalid_argument(channel: grpc.Channel, token: str) -> None:
    request = jobs_pb2.ListJobsRequest(page_token=token)
    error = _error(lambda: jobs_pb2_grpc.JobsStub(channel).ListJobs(request, metadata=AUTH, timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.details() or "").startswith("page_token: ")


@pytest.mark.parametrize("key", [[10**30], [[1]], [{"a": 1}]])
def test_a_forged_list_images_token_is_invalid_argument(channel: grpc.Channel, key: list[object]) -> None:
    datasets = datasets_pb2_grpc.DatasetsStub(channel)
    datasets.CreateDataset(datasets_pb2.CreateDatasetRequest(name="d"), metadata=AUTH, timeout=10)
    request = datasets_pb2.ListImagesRequest(dataset="d", page_token=_images_token(key))
    error = _error(lambda: datasets.ListImages(request, metadata=AUTH, timeout=10))
    assert (error.code(), error.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "page_token: is not a token from ListImages",
    )


def test_a_long_id_comes_back_cut_in_not_found(channel: grpc.Channel) -> None:
    error = _error(
        lambda: jobs_pb2_grpc.JobsStub(channel).GetJob(jobs_pb2.GetJobRequest(job_id="i" * 3000), metadata=AUTH)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == f"no job with id '{'i' * 78}…' (3000 characters)"


def test_list_jobs_pages_and_watch_batches_stay_under_4_mib(held: Backend, channel: grpc.Channel) -> None:
    """Jobs with labels up to their limits (20 KB each): pages shrink below page_size, nothing is lost."""
    jobs = jobs_pb2_grpc.JobsStub(channel)
    first = held.manager.get(
        jobs.SubmitJob(jobs_pb2.SubmitJobRequest(spec=restoration_spec("o", count=1)), metadata=AUTH, timeout=10).id
    )
    key, value = limits.LABEL_KEY_CHARS, limits.LABEL_VALUE_CHARS
    labels = {f"{i:02}".ljust(key, "k"): "v" * value for i in range(limits.LABELS)}
    for n in range(300):
        held.manager.store.insert_job(
            dataclasses.replace(first, id=f"{first.id}_{n:03}", created_at=first.created_at + n, labels=labels)
        )
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = jobs.ListJobs(jobs_pb2.ListJobsRequest(page_size=1000, page_token=token), metadata=AUTH, timeout=30)
        assert page.ByteSize() < 4 * 1024 * 1024
        seen += [job.id for job in page.jobs]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert pages > 1 and len(seen) == len(set(seen)) == 301

    held.manager.store.append_events(first.id, [(EventType.LOG, {"level": "info", "message": "m" * 20_000})] * 600)
    watched = jobs.WatchJob(jobs_pb2.WatchJobRequest(job_id=first.id), metadata=AUTH, timeout=30)
    seqs: list[int] = []
    for response in watched:
        seqs += [event.seq for event in response.events]
        if len(seqs) >= 601:
            watched.cancel()
            break
    assert seqs == list(range(1, 602))


def test_the_open_health_check_refuses_an_unreadable_body_too(channel: grpc.Channel) -> None:
    error = _error(lambda: channel.unary_unary("/grpc.health.v1.Health/Check")(NOT_PROTOBUF, timeout=10))
    assert (error.code(), error.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "request: the body is not a valid grpc.health.v1.HealthCheckRequest",
    )


def test_a_report_id_longer_than_a_file_name_is_invalid_argument(channel: grpc.Channel) -> None:
    request = reports_pb2.GetReportRequest(report_id="x" * 300)
    error = _error(lambda: reports_pb2_grpc.ReportsStub(channel).GetReport(request, metadata=AUTH, timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.details() or "").startswith("report_id: 'xxx")


def test_a_job_stored_with_thousands_of_labels_is_listed_with_its_labels_cut(
    held: Backend, channel: grpc.Channel
) -> None:
    """Before labels were bounded, 5,000 labels of 1 KB were accepted; such a job must not break listings."""
    jobs = jobs_pb2_grpc.JobsStub(channel)
    first = held.manager.get(
        jobs.SubmitJob(jobs_pb2.SubmitJobRequest(spec=restoration_spec("o", count=1)), metadata=AUTH, timeout=10).id
    )
    legacy = {f"k{i:04}" + "k" * 70: "v" * 1024 for i in range(5000)}
    held.manager.store.insert_job(dataclasses.replace(first, id=f"{first.id}_legacy", labels=legacy))
    listed = jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=AUTH, timeout=10).jobs
    assert len(listed) == 2
    shown = jobs.GetJob(jobs_pb2.GetJobRequest(job_id=f"{first.id}_legacy"), metadata=AUTH, timeout=10).labels
    assert len(shown) == limits.LABELS
    assert {len(value) for value in shown.values()} == {limits.LABEL_VALUE_CHARS}
    assert max(len(key) for key in shown) == limits.LABEL_KEY_CHARS
    assert len(held.manager.get(f"{first.id}_legacy").labels) == 5000  # the store keeps them whole
    updates = jobs.WatchJobs(jobs_pb2.WatchJobsRequest(), metadata=AUTH, timeout=10)
    for update in updates:
        if update.snapshot_done:
            updates.cancel()
            break


def test_watch_jobs_limit_is_bounded(channel: grpc.Channel) -> None:
    request = jobs_pb2.WatchJobsRequest(limit=1_000_000)
    error = _error(lambda: next(iter(jobs_pb2_grpc.JobsStub(channel).WatchJobs(request, metadata=AUTH, timeout=10))))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.details() or "").startswith("limit: ")


def test_an_image_page_stops_before_its_byte_budget() -> None:
    from backend.datasets import imagerows

    long_name = "n" * 4000
    rows = [("sha", long_name, 1, 1, 1, 0, 0, 0.0, "someone", 10, index, 0.0) for index in range(5000)]
    kept = imagerows._within_budget(rows)
    per_row = len(long_name) + len("someone") + imagerows.ROW_OVERHEAD_BYTES
    assert kept == imagerows.PAGE_BUDGET_BYTES // per_row
    assert kept * per_row <= imagerows.PAGE_BUDGET_BYTES < 4 * 1024 * 1024
    assert imagerows._within_budget(rows[:3]) == 3
    assert imagerows._within_budget([("sha", "x" * 10_000_000, *rows[0][2:])]) == 1  # one row always goes
