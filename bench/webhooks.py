"""Webhook delivery latency, measured in one run on this machine: ``python -m bench.webhooks [--jobs 20]``.

An in-process backend on loopback runs N tiny synthetic jobs one after another, each with a ``notify_url`` and a
subscribed webhook pointing at a loopback receiver that verifies every signature. The latency of a delivery is
from the job's end as the backend recorded it (``Job.finished_at``) to the receiver holding the verified POST.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from backend.rpc.server import start_backend
from backend.settings import ServerSettings
from backend.webhooks.signature import verify
from desktop.client import BackendTarget, Connection
from desktop.client.connection import TERMINAL_STATES
from protos.omni.v1 import jobs_pb2, synthetic_pb2

TOKEN = "bench-webhooks"


class Arrivals:
    def __init__(self) -> None:
        self.times: dict[tuple[str, str], float] = {}  # (job id, "hook" | "notify") -> arrival
        self.secrets: dict[str, str] = {}
        self.lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                route = self.path.strip("/")
                verify(arrivals.secrets[route], dict(self.headers.items()), body)
                event = json.loads(body)
                if event["type"] == "job.succeeded":
                    with arrivals.lock:
                        arrivals.times[(event["data"]["job"]["id"], route)] = time.time()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    arrivals = Arrivals()
    server = ThreadingHTTPServer(("127.0.0.1", 0), arrivals.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        backend = start_backend(ServerSettings(port=0, workspace=Path(tmp) / "ws", token=TOKEN))
        arrivals.secrets["notify"] = backend.webhooks.notify_secret
        try:
            with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
                added = client.add_webhook(f"{base}/hook", ["job.succeeded"])
                arrivals.secrets["hook"] = added.secret
                ends: dict[str, float] = {}
                for index in range(args.jobs):
                    synth = synthetic_pb2.SynthRestorationSpec(count=1, size=64, out=str(Path(tmp) / f"set{index}"))
                    job = client.submit(jobs_pb2.JobSpec(synth_restoration=synth, notify_url=f"{base}/notify"))
                    while (job := client.get_job(job.id)).state not in TERMINAL_STATES:
                        time.sleep(0.05)
                    ends[job.id] = job.finished_at.ToMicroseconds() / 1e6
                deadline = time.time() + 30
                while len(arrivals.times) < 2 * len(ends) and time.time() < deadline:
                    time.sleep(0.05)
        finally:
            backend.stop(grace_s=5)
            server.shutdown()
    for route in ("hook", "notify"):
        latencies = [
            (arrivals.times[(job_id, route)] - end) * 1000
            for job_id, end in ends.items()
            if (job_id, route) in arrivals.times
        ]
        missing = len(ends) - len(latencies)
        print(f"{route:>6}: each, ms: " + " ".join(f"{value:.0f}" for value in latencies))
        print(
            f"{route:>6}: {len(latencies)} deliveries, job end -> verified at the receiver: "
            f"median {statistics.median(latencies):.1f} ms, p99 {_percentile(latencies, 0.99):.1f} ms, "
            f"max {max(latencies):.1f} ms" + (f" ({missing} missing)" if missing else "")
        )


if __name__ == "__main__":
    main()
