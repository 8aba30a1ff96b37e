"""Spine figures, measured in one run on this machine: ``python -m bench.spine``.

1. backend start to SERVING (``omni serve`` as a child process), median of 5;
2. unary RPC round trip on loopback, median of 1000 (health Check, and an authenticated GetJob);
3. synthetic restoration pairs/s at 256x256 on one core (the generator alone, and as a job);
4. ``WatchJob`` event throughput to one client (replay of a long log, and live while it is written).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from backend.jobs.records import EventType, JobRecord, JobState
from backend.rpc.server import start_backend
from backend.settings import ServerSettings
from desktop.client import BackendTarget, Connection
from protos.omni.v1 import jobs_pb2, synthetic_pb2

REPO = Path(__file__).resolve().parents[1]


def start_to_serving(workspace: Path) -> float:
    ready = workspace / "ready.json"
    began = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "omni_cli",
            "serve",
            "--port",
            "0",
            "--workspace",
            str(workspace),
            "--ready-file",
            str(ready),
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not ready.exists():
            time.sleep(0.002)
        import json

        address = json.loads(ready.read_text())["address"]
        with grpc.insecure_channel(address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                try:
                    reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1, wait_for_ready=True)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return time.perf_counter() - began
                except grpc.RpcError:
                    time.sleep(0.002)
    finally:
        process.terminate()
        process.wait(10)


def round_trips(client: Connection, job_id: str, n: int = 1000) -> tuple[float, float]:
    health = health_pb2_grpc.HealthStub(client.channel)
    request = health_pb2.HealthCheckRequest()
    health_times, get_times = [], []
    for _ in range(50):  # warm up
        health.Check(request, timeout=5)
        client.get_job(job_id)
    for _ in range(n):
        began = time.perf_counter()
        health.Check(request, timeout=5)
        health_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        client.get_job(job_id)
        get_times.append(time.perf_counter() - began)
    return statistics.median(health_times), statistics.median(get_times)


class _NullContext:
    job_id, resumed_from = "bench", ""

    def progress(self, *args: object, **kwargs: object) -> None: ...
    def metric(self, *args: object, **kwargs: object) -> None: ...
    def log(self, *args: object, **kwargs: object) -> None: ...
    def artifact(self, *args: object, **kwargs: object) -> None: ...
    def set_output(self, *args: object, **kwargs: object) -> None: ...
    def check_cancelled(self) -> None: ...

    cancelled = False


def generator_pairs_per_second(out: Path, count: int = 60) -> float:
    from backend.storage.local import LocalStore
    from backend.synthetic.params import SynthRestorationParams, validate_restoration
    from backend.synthetic.restoration import generate_restoration

    params = validate_restoration(SynthRestorationParams(count=count, out=str(out), size=256, seed=1))
    began = time.perf_counter()
    generate_restoration(params, LocalStore(out), _NullContext())  # type: ignore[arg-type]
    return count / (time.perf_counter() - began)


def job_pairs_per_second(client: Connection, out: Path, count: int = 60) -> float:
    spec = jobs_pb2.JobSpec(
        synth_restoration=synthetic_pb2.SynthRestorationSpec(count=count, out=str(out), size=256, seed=2)
    )
    job = client.submit(spec)
    for _ in client.follow_job(job.id):
        pass
    job = client.get_job(job.id)
    return count / (job.finished_at.ToNanoseconds() - job.started_at.ToNanoseconds()) * 1e9


def watch_throughput(backend_manager: object, client: Connection, n: int = 100_000) -> tuple[float, float]:
    store = backend_manager.store  # type: ignore[attr-defined]
    job = JobRecord(
        id="bench_events", kind="synth_restoration", params={}, state=JobState.SUCCEEDED, created_at=time.time()
    )
    store.insert_job(job)
    for start in range(0, n, 1000):
        store.append_events(
            job.id, [(EventType.LOG, {"level": "info", "message": f"line {i}"}) for i in range(start, start + 1000)]
        )
    began = time.perf_counter()
    replayed = sum(1 for _ in client.watch_job(job.id))
    replay_rate = replayed / (time.perf_counter() - began)

    live = JobRecord(
        id="bench_live", kind="synth_restoration", params={}, state=JobState.RUNNING, created_at=time.time()
    )
    store.insert_job(live)

    def writer() -> None:
        for start in range(0, n, 100):
            store.append_events(
                live.id,
                [(EventType.METRIC, {"name": "x", "value": float(i), "step": i}) for i in range(start, start + 100)],
            )
            backend_manager._notify(live.id)  # type: ignore[attr-defined]
        store.update_job(live.id, state=JobState.SUCCEEDED)
        backend_manager._notify(live.id)  # type: ignore[attr-defined]

    began = time.perf_counter()
    thread = threading.Thread(target=writer)
    thread.start()
    received = sum(1 for _ in client.watch_job(live.id))
    live_rate = received / (time.perf_counter() - began)
    thread.join()
    assert replayed == n and received == n, (replayed, received)
    return replay_rate, live_rate


def main() -> None:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        starts = [start_to_serving(root / f"start{i}") for i in range(5)]
        print(
            f"backend start to SERVING: median {statistics.median(starts) * 1000:.0f} ms "
            f"(min {min(starts) * 1000:.0f}, max {max(starts) * 1000:.0f}, n=5)"
        )

        backend = start_backend(ServerSettings(port=0, workspace=root / "ws", token="bench"))
        try:
            with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token="bench")) as client:
                job = client.submit(
                    jobs_pb2.JobSpec(
                        synth_restoration=synthetic_pb2.SynthRestorationSpec(count=1, out=str(root / "one"), size=64)
                    )
                )
                health_rt, get_rt = round_trips(client, job.id)
                print(
                    f"unary round trip on loopback: health {health_rt * 1e6:.0f} us, "
                    f"GetJob (token) {get_rt * 1e6:.0f} us "
                    "(median of 1000)"
                )
                generator = generator_pairs_per_second(root / "gen")
                print(f"synthetic pairs/s at 256x256, one core: generator {generator:.1f}/s", end="")
                as_job = job_pairs_per_second(client, root / "job")
                print(f", as a job {as_job:.1f}/s (ratio {as_job / generator:.2f})")
                replay, live = watch_throughput(backend.manager, client)
                print(f"WatchJob events/s to one client: replay {replay:,.0f}/s, live {live:,.0f}/s (100,000 events)")
        finally:
            backend.stop(grace_s=5)


if __name__ == "__main__":
    main()
