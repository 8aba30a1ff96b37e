"""The server's side of a streamed batch detection: one worker process per ``Batch.DetectStream`` call
(``backend.detection.stream_worker``), fed over a pipe by ``backend.processes.stream_parent`` as a streamed
restore is."""

from __future__ import annotations

from pathlib import Path

from backend.detection.params import DetectOptions
from backend.detection.stream_worker import detect_worker_main, failed_result
from backend.processes.messages import Image, Result
from backend.processes.stream_parent import WorkerStream


class DetectSession(WorkerStream):
    def __init__(self, onnx: Path, options: DetectOptions) -> None:
        self.options = options
        kwargs = {
            "onnx_path": str(onnx),
            "require_provider": options.require_provider,
            "conf": options.conf,
            "iou": options.iou,
            "max_det": options.max_det,
        }
        super().__init__(detect_worker_main, kwargs, name="omni-detect-stream", label="detection")

    def send(self, key: str, data: bytes, reference: bytes | None) -> None:
        if reference is not None:  # detection has no references: the image is answered, not run
            self.reject(key, "refused: reference: detection takes no reference images")
            return
        self._send(Image(key, data))

    def reject(self, key: str, reason: str) -> None:
        """Answer an image the worker never sees (a bad id, too large) with a failed result."""
        self._answer(Result(failed_result(key, reason)))
