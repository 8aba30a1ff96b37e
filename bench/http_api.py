"""HTTP/JSON gateway figures, one run on loopback: ``python -m bench.http_api``.

1. GET /v1/jobs and POST /v1/jobs: requests/s and p99 latency from one keep-alive client, against the same
   calls over gRPC (ListJobs, SubmitJob) from one channel;
2. Server-Sent Events to one client: events/s replaying a 50,000-event job log (and gRPC WatchJob's rate).

Not part of CI. Submitted jobs are real (one pair of 64 px each) and run one at a time in the background.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import grpc

from backend.jobs.records import EventType, JobRecord, JobState
from backend.rpc.server import start_backend
from backend.settings import ServerSettings
from protos.omni.v1 import jobs_pb2, jobs_pb2_grpc, synthetic_pb2

TOKEN = "bench-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def _summary(times: list[float]) -> tuple[float, float, float]:
    times = sorted(times)
    return len(times) / sum(times), statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000


def measure_pair(a: Callable[[int], object], b: Callable[[int], object], n: int) -> tuple[tuple[float, ...], ...]:
    """(requests/s, median ms, p99 ms) of ``n`` calls of each, alternating so both see the same background
    load (submitted jobs run meanwhile); requests/s is 1 / mean latency of one sequential client."""
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(n):
        for call, into in ((a, times[0]), (b, times[1])):
            start = time.perf_counter()
            call(i)
            into.append(time.perf_counter() - start)
    return _summary(times[0]), _summary(times[1])


def http_call(connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None) -> bytes:
    connection.request(method, path, body=body, headers=AUTH)
    response = connection.getresponse()
    data = response.read()
    assert response.status == 200, (response.status, data[:300])
    return data


def sse_rate(port: int, job_id: str, expected: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    began = time.perf_counter()
    connection.request("GET", f"/v1/jobs/{job_id}/events", headers={**AUTH, "Accept": "text/event-stream"})
    response = connection.getresponse()
    events = sum(1 for line in response if line.startswith(b"id: "))
    rate = events / (time.perf_counter() - began)
    assert events == expected, events
    connection.close()
    return rate


def event_log(store: object, job_id: str, n: int) -> None:
    job = JobRecord(id=job_id, kind="synth_restoration", params={}, state=JobState.SUCCEEDED, created_at=time.time())
    store.insert_job(job)  # type: ignore[attr-defined]
    for start in range(0, n, 1000):
        lines = [(EventType.LOG, {"level": "info", "message": f"line {i}"}) for i in range(start, start + 1000)]
        store.append_events(job.id, lines)  # type: ignore[attr-defined]


def main() -> None:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = ServerSettings(port=0, http_port=0, workspace=root / "ws", token=TOKEN, max_concurrent_jobs=1)
        backend = start_backend(settings)
        channel = grpc.insecure_channel(f"127.0.0.1:{backend.port}")
        stub = jobs_pb2_grpc.JobsStub(channel)
        metadata = (("authorization", f"Bearer {TOKEN}"),)
        connection = http.client.HTTPConnection("127.0.0.1", backend.http_port or 0, timeout=60)
        try:
            n_submit, n_list = 300, 1000

            def spec(i: int, via: str) -> jobs_pb2.JobSpec:
                out = str(root / f"{via}{i}")
                return jobs_pb2.JobSpec(synth_restoration=synthetic_pb2.SynthRestorationSpec(count=1, out=out, size=64))

            def post(i: int) -> None:
                body = {"spec": {"synthRestoration": {"count": 1, "out": str(root / f"http{i}"), "size": 64}}}
                http_call(connection, "POST", "/v1/jobs", json.dumps(body).encode())

            def submit(i: int) -> None:
                stub.SubmitJob(jobs_pb2.SubmitJobRequest(spec=spec(i, "grpc")), metadata=metadata, timeout=30)

            figures = {}
            figures["POST /v1/jobs"], figures["gRPC SubmitJob"] = measure_pair(post, submit, n_submit)
            figures["GET /v1/jobs?page_size=10"], figures["gRPC ListJobs(page_size=10)"] = measure_pair(
                lambda _: http_call(connection, "GET", "/v1/jobs?page_size=10"),
                lambda _: stub.ListJobs(jobs_pb2.ListJobsRequest(page_size=10), metadata=metadata, timeout=30),
                n_list,
            )
            for name, (rate, median, p99) in figures.items():
                print(f"{name:30s} {rate:8.0f} req/s   median {median:6.2f} ms   p99 {p99:6.2f} ms")
            n_events = 50_000
            event_log(backend.manager.store, "bench_events", n_events)
            sse = sse_rate(backend.http_port or 0, "bench_events", n_events)
            print(f"{'SSE replay, one client':30s} {sse:8.0f} events/s")
            began = time.perf_counter()
            watched = sum(
                len(r.events) for r in stub.WatchJob(jobs_pb2.WatchJobRequest(job_id="bench_events"), metadata=metadata)
            )
            print(f"{'gRPC WatchJob replay':30s} {watched / (time.perf_counter() - began):8.0f} events/s")
        finally:
            connection.close()
            channel.close()
            backend.stop(grace_s=2)
        print(f"(one run, {os.cpu_count()} CPUs shared with other work: figures are indicative)")


if __name__ == "__main__":
    main()
