"""A revoked token's open streams end within seconds, on a real loopback backend: WatchJobs and WatchJob
(idle, waiting for something to send) and an upload stream, sending or idle, end with UNAUTHENTICATED naming
the token, never its secret; a stream opened with another token goes on and still receives updates."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest

from backend.rpc.revocation import open_streams
from backend.rpc.server import Backend
from desktop.client import BackendTarget, Connection
from protos.omni.v1 import datasets_pb2, datasets_pb2_grpc, jobs_pb2, jobs_pb2_grpc, tokens_pb2
from tests.backend.conftest import TOKEN
from tests.helpers import restoration_spec

ENDS_WITHIN_S = 5.0


@dataclass
class Watched:
    """A server stream read on a thread: what arrived, and how it ended."""

    call: Any
    received: queue.Queue[Any] = field(default_factory=queue.Queue)
    ended: threading.Event = field(default_factory=threading.Event)
    error: grpc.RpcError | None = None

    def start(self) -> Watched:
        def read() -> None:
            try:
                for message in self.call:
                    self.received.put(message)
            except grpc.RpcError as error:
                self.error = error
            finally:
                self.ended.set()

        threading.Thread(target=read, daemon=True).start()
        return self


def metadata(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


@pytest.fixture
def channel(backend: Backend) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{backend.port}") as opened:
        yield opened


@pytest.fixture
def tokens(backend: Backend) -> dict[str, str]:
    backend.manager.hold()  # jobs are recorded, none runs: the watch streams stay idle
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as admin:
        return {name: admin.create_token(name, tokens_pb2.ROLE_OPERATOR).token for name in ("alice", "bob")}


def wait_for_snapshot(watched: Watched) -> None:
    while True:
        update = watched.received.get(timeout=10)
        if update.snapshot_done:
            return


def assert_ended_revoked(watched: Watched, secret: str, since: float) -> None:
    assert watched.ended.wait(ENDS_WITHIN_S + 1), "the revoked token's stream is still open"
    assert time.monotonic() - since < ENDS_WITHIN_S
    assert watched.error is not None
    assert watched.error.code() == grpc.StatusCode.UNAUTHENTICATED
    details = watched.error.details() or ""
    assert "'alice'" in details and "revoked" in details
    assert secret not in details


def test_revoking_a_token_ends_its_watch_streams_and_no_one_elses(
    backend: Backend, channel: grpc.Channel, tokens: dict[str, str]
) -> None:
    jobs = jobs_pb2_grpc.JobsStub(channel)
    job = jobs.SubmitJob(jobs_pb2.SubmitJobRequest(spec=restoration_spec("out")), metadata=metadata(TOKEN))
    alice_all = Watched(jobs.WatchJobs(jobs_pb2.WatchJobsRequest(), metadata=metadata(tokens["alice"]))).start()
    alice_one = Watched(jobs.WatchJob(jobs_pb2.WatchJobRequest(job_id=job.id), metadata=metadata(tokens["alice"])))
    alice_one.start()
    bob_all = Watched(jobs.WatchJobs(jobs_pb2.WatchJobsRequest(), metadata=metadata(tokens["bob"]))).start()
    wait_for_snapshot(alice_all)
    wait_for_snapshot(bob_all)
    assert alice_one.received.get(timeout=10).events  # the job's log so far: the stream is open and waiting
    time.sleep(1.5)  # idle streams, past a check interval: nothing ends while the token holds
    assert not (alice_all.ended.is_set() or alice_one.ended.is_set() or bob_all.ended.is_set())

    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as admin:
        revoked_at = time.monotonic()
        admin.revoke_token("alice")
    assert_ended_revoked(alice_all, tokens["alice"], revoked_at)
    assert_ended_revoked(alice_one, tokens["alice"], revoked_at)

    assert not bob_all.ended.is_set()
    later = jobs.SubmitJob(jobs_pb2.SubmitJobRequest(spec=restoration_spec("out2")), metadata=metadata(TOKEN))
    while bob_all.received.get(timeout=10).job.id != later.id:
        pass
    assert not bob_all.ended.is_set()
    bob_all.call.cancel()
    deadline = time.monotonic() + ENDS_WITHIN_S
    while open_streams() and time.monotonic() < deadline:  # a stream its client left frees its RPC thread
        time.sleep(0.1)
    assert open_streams() == 0


def upload_then(
    backend: Backend, channel: grpc.Channel, token: str, rest: Callable[[], Iterator[datasets_pb2.UploadChunk]]
) -> Any:
    """An UploadImages call (a future) into a new dataset: a header and one chunk, then what ``rest`` yields."""
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as admin:
        admin.create_dataset("shots")

    def chunks() -> Iterator[datasets_pb2.UploadChunk]:
        header = datasets_pb2.UploadHeader(dataset="shots", filename="a.png", sha256="0" * 64, size_bytes=16)
        yield datasets_pb2.UploadChunk(header=header)
        yield datasets_pb2.UploadChunk(data=b"12345678")
        yield from rest()

    return datasets_pb2_grpc.DatasetsStub(channel).UploadImages.future(chunks(), metadata=metadata(token))


def revoke_alice(backend: Backend) -> float:
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as admin:
        admin.revoke_token("alice")
    return time.monotonic()


def assert_upload_revoked(answer: Any, secret: str, since: float) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        answer.result(timeout=ENDS_WITHIN_S + 5)
    assert time.monotonic() - since < ENDS_WITHIN_S
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    details = caught.value.details() or ""
    assert "'alice'" in details and "revoked" in details and secret not in details


def test_revoking_a_token_ends_its_upload_stream(
    backend: Backend, channel: grpc.Channel, tokens: dict[str, str]
) -> None:
    revoked = threading.Event()

    def more() -> Iterator[datasets_pb2.UploadChunk]:
        assert revoked.wait(10)
        time.sleep(1.2)  # past the check interval
        yield datasets_pb2.UploadChunk(data=b"12345678")

    answer = upload_then(backend, channel, tokens["alice"], more)
    time.sleep(0.5)
    revoked_at = revoke_alice(backend)
    revoked.set()
    assert_upload_revoked(answer, tokens["alice"], revoked_at)


def test_revoking_a_token_ends_an_idle_upload_stream(
    backend: Backend, channel: grpc.Channel, tokens: dict[str, str]
) -> None:
    """The client sends a header and one chunk, then nothing: the stream still ends once the token goes."""
    finished = threading.Event()

    def nothing() -> Iterator[datasets_pb2.UploadChunk]:
        finished.wait(30)  # sends nothing more until the test is over
        yield from ()

    answer = upload_then(backend, channel, tokens["alice"], nothing)
    try:
        time.sleep(1.5)  # idle past a check interval: nothing ends while the token holds
        assert not answer.done()
        assert_upload_revoked(answer, tokens["alice"], revoke_alice(backend))
    finally:
        finished.set()
