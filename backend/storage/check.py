"""``omni remote check``: reach, credentials, buckets, then a write/read/delete probe, each step timed.

Problems are results here (typed by ``Problem``), not exceptions: a client shows every step.
"""

from __future__ import annotations

import os
import socket
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from backend.storage.remote_config import RemoteConfig
from backend.storage.s3 import S3Store
from backend.storage.s3_errors import Problem, RemoteError
from omni_core.errors import FailedPrecondition

REACH_TIMEOUT_S = 3.0
PROBE_PREFIX = "evaluation/omni-remote-check"  # deleted again by the check
ROUND_TRIPS = 5


@dataclass
class Step:
    name: str
    ok: bool
    detail: str
    millis: float
    problem: Problem = Problem.NONE


@dataclass
class CheckResult:
    steps: list[Step] = field(default_factory=list)
    round_trip_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    @property
    def problem(self) -> Problem:
        return next((step.problem for step in self.steps if not step.ok), Problem.NONE)


def probe_reach(config: RemoteConfig) -> None:
    """A TCP connection to the endpoint, or FailedPrecondition naming ``endpoint`` (before anything is sent)."""
    from backend.storage.remote_config import parse_endpoint

    endpoint = parse_endpoint(config.endpoint, config.region)
    parts = urlsplit(f"//{endpoint.host}")
    host, port = parts.hostname or "", parts.port or (443 if endpoint.secure else 80)
    try:
        socket.create_connection((host, port), timeout=REACH_TIMEOUT_S).close()
    except OSError as error:
        raise FailedPrecondition(
            f"nothing answers at {host}:{port} ({error.strerror or type(error).__name__}); is the server up?",
            field="endpoint",
        ) from None


def _timed(name: str, action: Callable[[], str]) -> Step:
    started = time.perf_counter()
    try:
        detail = action()
        return Step(name, True, detail, (time.perf_counter() - started) * 1000)
    except RemoteError as error:
        return Step(name, False, error.message, (time.perf_counter() - started) * 1000, error.problem)
    except FailedPrecondition as error:
        problem = Problem.UNREACHABLE if name == "reach" else Problem.CREDENTIALS_MISSING
        return Step(name, False, error.message, (time.perf_counter() - started) * 1000, problem)


def check_remote(config: RemoteConfig, open_store: Callable[[], S3Store], *, create_buckets: bool) -> CheckResult:
    result = CheckResult()

    def reach() -> str:
        probe_reach(config)
        return f"{config.endpoint or 'AWS S3'} answers"

    result.steps.append(_timed("reach", reach))
    if not result.ok:
        return result
    holder: list[S3Store] = []

    def credentials() -> str:
        store = open_store()
        holder.append(store)
        store.missing_buckets()  # a signed request: refused keys show here
        return f"keys from {store.credentials.source} ({store.credentials.hint}) accepted"

    result.steps.append(_timed("credentials", credentials))
    if not result.ok:
        return result
    store = holder[0]

    def buckets() -> str:
        missing = store.missing_buckets()
        if missing and create_buckets:
            created = store.create_buckets()
            return f"created {', '.join(created)}"
        if missing:
            raise RemoteError(
                Problem.BUCKET_MISSING,
                f"remote: missing bucket(s) {', '.join(missing)}: create them, or run the check with --create-buckets",
            )
        return f"{', '.join(config.locations())} present"

    result.steps.append(_timed("buckets", buckets))
    if not result.ok:
        return result
    key = f"{PROBE_PREFIX}-{uuid.uuid4().hex}"
    payload = os.urandom(1024)

    def write() -> str:
        store.put_bytes(key, payload)
        return "wrote a 1 KiB probe"

    result.steps.append(_timed("write", write))
    if not result.ok:
        return result

    def read() -> str:
        if store.get_bytes(key) != payload:
            raise RemoteError(Problem.CHECKSUM_MISMATCH, "remote: the probe came back with other bytes")
        times = []
        for _ in range(ROUND_TRIPS):
            started = time.perf_counter()
            store.stat(key)
            times.append((time.perf_counter() - started) * 1000)
        result.round_trip_ms = statistics.median(times)
        return f"read it back intact; round trip {result.round_trip_ms:.1f} ms"

    result.steps.append(_timed("read", read))

    def delete() -> str:
        store.delete(key)
        return "deleted the probe"

    result.steps.append(_timed("delete", delete))
    return result
