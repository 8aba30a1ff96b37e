"""The server's side of a streamed restore: one worker process per ``Batch.RestoreStream`` call
(``backend.batch.stream_worker``), fed over a pipe by ``backend.processes.stream_parent``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from backend.batch.precision import PrecisionFiles
from backend.batch.stream_worker import stream_worker_main
from backend.processes.messages import Image, Result
from backend.processes.stream_parent import WorkerStream
from omni_core.batch.outcome import Outcome
from omni_core.batch.params import RestoreOptions


class StreamSession(WorkerStream):
    """The worker of one ``Batch.RestoreStream`` call (``backend.batch.stream_worker``)."""

    def __init__(self, files: PrecisionFiles, options: RestoreOptions, cache_dir: Path) -> None:
        self.options = options
        kwargs = {
            "onnx_paths": {precision: str(path) for precision, path in files.paths.items()},
            "precisions": files.card,
            "memory": files.memory,
            "options": asdict(options),
            "cache_dir": str(cache_dir),
        }
        super().__init__(stream_worker_main, kwargs, name="omni-restore-stream", label="restore")

    def send(self, key: str, data: bytes, reference: bytes | None) -> None:
        self._send(Image(key, data, reference))

    def reject(self, key: str, reason: str) -> None:
        """Answer an image the worker never sees (a bad id, too large) with a failed result."""
        self._answer(Result(asdict(Outcome(key, "", False, reason))))
