"""The worker process behind one ``Batch.RestoreStream`` call: images come in over a pipe as bytes, go
through the same pipeline as a job, and go back as encoded files. Started with *spawn* by
``backend.batch.stream``, so ONNX Runtime is imported here and never in the server."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from backend.batch.pipeline import Pipeline, Task, bytes_sink
from backend.processes.messages import Done, End, Failed, Image, Ready, Result
from backend.processes.outcome import outcome
from backend.processes.stream_child import opening_failure, report_run_end
from backend.processes.watchdog import watch_parent
from omni_core.batch.formats import output_name
from omni_core.batch.outcome import Outcome
from omni_core.batch.params import RestoreOptions


def _tasks(conn: Connection, fmt: str) -> Iterator[Task]:
    while True:
        try:
            message: Image | End = conn.recv()
        except (EOFError, OSError):
            return
        if isinstance(message, End):
            return
        yield Task(message.key, message.data, output_name(message.key, fmt), message.reference)


def stream_worker_main(
    *,
    onnx_paths: dict[str, str],
    precisions: dict[str, Any],
    memory: dict[str, Any],
    options: dict[str, Any],
    cache_dir: str,
    parent_pid: int,
    conn: Connection,
) -> None:
    watch_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the client's; the call's end stops us
    send_lock = threading.Lock()

    def send(message: Ready | Result | Done | Failed) -> None:
        with send_lock:
            conn.send(message)

    with outcome(swallow=Exception) as opened:
        from backend.batch.engine_setup import open_run_engine
        from backend.batch.precision import PrecisionFiles

        restore_options = RestoreOptions(**options)
        files = PrecisionFiles({p: Path(path) for p, path in onnx_paths.items()}, precisions, memory)
        run = open_run_engine(files, restore_options, Path(cache_dir))
    refused = opening_failure(opened, "this model")
    if refused is not None:  # the client must learn why the stream cannot start
        send(refused)
        return
    ready = {
        "provider": run.provider,
        "warnings": run.warnings,
        "precision": run.precision,
        "precision_reason": run.precision_reason,
    }
    send(Ready({**ready, "batch_size": run.batch_size, "batch_pixels": run.batch_pixels, "tile_limit": run.tile_limit}))
    outputs: dict[str, bytes] = {}
    restored = failed = 0

    def report(item: Outcome) -> None:
        nonlocal restored, failed
        restored, failed = restored + item.restored, failed + (not item.restored)
        send(Result(asdict(item), outputs.pop(item.key, None)))

    with outcome(swallow=Exception) as ran:
        Pipeline(run.restorer, sink=bytes_sink(outputs), report=report, settings=run.settings).run(
            _tasks(conn, restore_options.format)
        )
        send(Done({"restored": restored, "failed": failed}))
    report_run_end(ran, send)
