"""The worker process behind one ``Batch.RestoreStream`` call: images come in over a pipe as bytes, go
through the same pipeline as a job, and go back as encoded files. Started with *spawn* by
``backend.batch.stream``, so ONNX Runtime is imported here and never in the server."""

from __future__ import annotations

import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from backend.batch.pipeline import Pipeline, Task, bytes_sink
from omni_core.batch.formats import output_name
from omni_core.batch.outcome import Outcome
from omni_core.batch.params import RestoreOptions
from omni_core.errors import OmniError

PARENT_POLL_S = 0.5


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os._exit(70)


def _tasks(inbox: Connection, fmt: str) -> Iterator[Task]:
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):
            return
        if message[0] == "end":
            return
        _, key, data, reference = message
        yield Task(key, data, output_name(key, fmt), reference)


def stream_worker_main(
    *,
    onnx_paths: dict[str, str],
    precisions: dict[str, Any],
    options: dict[str, Any],
    cache_dir: str,
    parent_pid: int,
    inbox: Connection,
    outbox: Connection,
) -> None:
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="parent-watch").start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the client's; the call's end stops us
    send_lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with send_lock:
            outbox.send(message)

    try:
        from backend.batch.engine_setup import open_run_engine
        from backend.batch.precision import PrecisionFiles

        restore_options = RestoreOptions(**options)
        files = PrecisionFiles({p: Path(path) for p, path in onnx_paths.items()}, precisions)
        run = open_run_engine(files, restore_options, Path(cache_dir))
    except OmniError as error:
        send(("error", error.status, error.message))
        return
    except Exception as error:  # noqa: BLE001 - the client must learn why the stream cannot start
        # the model is what could not be loaded (a file ONNX Runtime refuses, an opset it lacks): the request
        # is fine, the registered model is not usable here
        why = f"model: ONNX Runtime cannot run this model here ({type(error).__name__}: {str(error)[:300]})"
        send(("error", "FAILED_PRECONDITION", why))
        return
    ready = {
        "provider": run.provider,
        "warnings": run.warnings,
        "precision": run.precision,
        "precision_reason": run.precision_reason,
    }
    send(
        (
            "ready",
            {**ready, "batch_size": run.batch_size, "batch_pixels": run.batch_pixels, "tile_limit": run.tile_limit},
        )
    )
    outputs: dict[str, bytes] = {}
    restored = failed = 0

    def report(outcome: Outcome) -> None:
        nonlocal restored, failed
        restored, failed = restored + outcome.restored, failed + (not outcome.restored)
        send(("result", asdict(outcome), outputs.pop(outcome.key, None)))

    try:
        Pipeline(run.restorer, sink=bytes_sink(outputs), report=report, settings=run.settings).run(
            _tasks(inbox, restore_options.format)
        )
        send(("done", {"restored": restored, "failed": failed}))
    except (BrokenPipeError, EOFError):
        pass  # the server ended the call
    except Exception as error:  # noqa: BLE001
        try:
            send(("error", "INTERNAL", f"{type(error).__name__}: {error}\n{traceback.format_exc()}"))
        except OSError:
            pass
