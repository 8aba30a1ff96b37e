"""A long-lived helper process that runs ONNX detection for the server's unary RPCs (``SuggestBoxes``).

The gRPC server never runs models itself (heavy work, GPU memory and native crashes belong in other
processes), and a job's worker would cost a process start per suggestion. So the first suggestion starts
this helper (multiprocessing *spawn*: it shares nothing with the server's threads); it keeps its ONNX
Runtime sessions warm, answers one request at a time, exits when idle for ``IDLE_EXIT_S`` or when the
server is gone, and is started again on the next request if it died.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from backend.processes.messages import End, Failed
from backend.processes.outcome import outcome
from backend.processes.spawn import Child, spawn
from backend.processes.watchdog import watch_parent
from omni_core.errors import FailedPrecondition, OmniError, ResourceExhausted

IDLE_EXIT_S = 600.0
REQUEST_TIMEOUT_S = 120.0
_ERRORS: dict[str, type[OmniError]] = {
    "FAILED_PRECONDITION": FailedPrecondition,
    "RESOURCE_EXHAUSTED": ResourceExhausted,
}


@dataclass(frozen=True)
class DetectRequest:
    onnx: str
    image: bytes
    conf: float
    iou: float
    max_det: int
    require_provider: str = ""


@dataclass(frozen=True)
class Detected:
    reply: dict[str, Any]


# -- in the helper process -----------------------------------------------------------------------------------


def _detect(request: DetectRequest, cache: dict[tuple[str, str], Any]) -> dict[str, Any]:
    from backend.detection.onnx_detector import OnnxDetector
    from omni_core.detection.images import decode_rgb

    key = (request.onnx, request.require_provider)
    detector = cache.get(key)
    if detector is None:
        detector = cache[key] = OnnxDetector.open(Path(key[0]), require_provider=key[1])
    pixels = decode_rgb(request.image)
    started = time.perf_counter()
    found = detector.detect(pixels, conf=request.conf, iou=request.iou, max_det=request.max_det)
    return {
        "names": detector.names,
        "provider": detector.provider,
        "warnings": detector.engine.warnings,
        "width": int(pixels.shape[1]),
        "height": int(pixels.shape[0]),
        "seconds": time.perf_counter() - started,
        "detections": [(d.class_id, d.confidence, d.x1, d.y1, d.x2, d.y2) for d in found],
    }


def _failure(error: BaseException) -> Failed:
    from omni_core.detection.images import UnreadableImage

    if isinstance(error, UnreadableImage):
        return Failed("FAILED_PRECONDITION", f"image: {error.reason}")
    if isinstance(error, MemoryError):
        return Failed("RESOURCE_EXHAUSTED", "out of memory while detecting")
    return Failed.of(error)


def helper_main(conn: Connection, parent_pid: int, workspace_root: str) -> None:
    """Answer requests until told to stop, idle too long, or the server is gone."""
    from backend.detection.ultralytics_env import set_environment

    set_environment(Path(workspace_root))
    from backend.detection import netguard

    netguard.install_from_env()
    watch_parent(parent_pid)
    cache: dict[tuple[str, str], Any] = {}
    while conn.poll(IDLE_EXIT_S):
        try:
            request: DetectRequest | End = conn.recv()
        except (EOFError, OSError):
            return
        if isinstance(request, End):
            return
        with outcome(swallow=Exception) as answered:  # reported to the caller, the helper lives on
            reply = _detect(request, cache)
        conn.send(_failure(answered.exception) if answered.exception is not None else Detected(reply))


# -- in the server -------------------------------------------------------------------------------------------


class DetectorHelper:
    """The server's handle on the helper process; thread-safe (requests are serialised)."""

    def __init__(self, workspace_root: Path) -> None:
        self.workspace_root = workspace_root
        self._lock = threading.Lock()
        self._child: Child | None = None
        #: set by ``close``: a request still running when the server stops must not start a new helper
        self._closed = False

    def _ensure(self) -> Child:
        if self._closed:
            raise FailedPrecondition("the backend is stopping; no detection is started now")
        if self._child is not None and self._child.alive():
            return self._child
        self._discard()
        self._child = spawn(helper_main, name="omni-detector-helper", workspace_root=str(self.workspace_root))
        return self._child

    def _discard(self) -> None:
        if self._child is not None:
            self._child.conn.close()
            self._child.terminate()
        self._child = None

    def detect(self, request: dict[str, Any], timeout: float = REQUEST_TIMEOUT_S) -> dict[str, Any]:
        """Run one request (``onnx``, ``image`` bytes, ``conf``, ``iou``, ``max_det``, ``require_provider``)."""
        with self._lock:
            for attempt in (1, 2):  # a helper that idled out or died is started once more
                child = self._ensure()
                try:
                    child.send(DetectRequest(**request))
                    if not child.poll(timeout):
                        self._discard()
                        raise ResourceExhausted(f"detection took longer than {timeout:g} s")
                    reply: Detected | Failed = child.receive()
                    break
                except (EOFError, OSError):  # ChildGone: a helper that idled out, or died
                    self._discard()
                    if attempt == 2:
                        raise FailedPrecondition("the detection helper process stopped unexpectedly") from None
        if isinstance(reply, Detected):
            return dict(reply.reply)
        raise _ERRORS.get(reply.status, OmniError)(reply.message)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            if self._child is not None and self._child.alive():
                try:
                    self._child.send(End())
                    self._child.process.join(timeout=2)
                except (EOFError, OSError):
                    pass
            self._discard()
