"""A long-lived helper process that runs ONNX detection for the server's unary RPCs (``SuggestBoxes``).

The gRPC server never runs models itself (heavy work, GPU memory and native crashes belong in other
processes), and a job's worker would cost a process start per suggestion. So the first suggestion starts
this helper (multiprocessing *spawn*: it shares nothing with the server's threads); it keeps its ONNX
Runtime sessions warm, answers one request at a time, exits when idle for ``IDLE_EXIT_S`` or when the
server is gone, and is started again on the next request if it died.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from omni_core.errors import FailedPrecondition, OmniError, ResourceExhausted

_SPAWN = multiprocessing.get_context("spawn")
IDLE_EXIT_S = 600.0
REQUEST_TIMEOUT_S = 120.0
PARENT_POLL_S = 0.5
_ERRORS: dict[str, type[OmniError]] = {
    "FAILED_PRECONDITION": FailedPrecondition,
    "RESOURCE_EXHAUSTED": ResourceExhausted,
}


# -- in the helper process -----------------------------------------------------------------------------------


def _detect(request: dict[str, Any], cache: dict[tuple[str, str], Any]) -> dict[str, Any]:
    from backend.detection.onnx_detector import OnnxDetector
    from omni_core.detection.images import decode_rgb

    key = (request["onnx"], request.get("require_provider", ""))
    detector = cache.get(key)
    if detector is None:
        detector = cache[key] = OnnxDetector.open(Path(key[0]), require_provider=key[1])
    pixels = decode_rgb(request["image"])
    started = time.perf_counter()
    found = detector.detect(pixels, conf=request["conf"], iou=request["iou"], max_det=request["max_det"])
    return {
        "names": detector.names,
        "provider": detector.provider,
        "warnings": detector.engine.warnings,
        "width": int(pixels.shape[1]),
        "height": int(pixels.shape[0]),
        "seconds": time.perf_counter() - started,
        "detections": [(d.class_id, d.confidence, d.x1, d.y1, d.x2, d.y2) for d in found],
    }


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(70)
        time.sleep(PARENT_POLL_S)


def helper_main(conn: Connection, parent_pid: int, workspace_root: str) -> None:
    """Answer requests until told to stop, idle too long, or the server is gone."""
    from backend.detection.ultralytics_env import set_environment
    from omni_core.detection.images import UnreadableImage

    set_environment(Path(workspace_root))
    from backend.detection import netguard

    netguard.install_from_env()
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="parent-watch").start()
    cache: dict[tuple[str, str], Any] = {}
    while conn.poll(IDLE_EXIT_S):
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request.get("op") == "stop":
            return
        try:
            conn.send(("ok", _detect(request, cache)))
        except UnreadableImage as error:
            conn.send(("error", "FAILED_PRECONDITION", f"image: {error.reason}"))
        except OmniError as error:
            conn.send(("error", error.status, error.message))
        except MemoryError:
            conn.send(("error", "RESOURCE_EXHAUSTED", "out of memory while detecting"))
        except Exception as error:  # noqa: BLE001 - reported to the caller, the helper lives on
            conn.send(("error", "INTERNAL", f"{type(error).__name__}: {error}"))


# -- in the server -------------------------------------------------------------------------------------------


class DetectorHelper:
    """The server's handle on the helper process; thread-safe (requests are serialised)."""

    def __init__(self, workspace_root: Path) -> None:
        self.workspace_root = workspace_root
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        #: set by ``close``: a request still running when the server stops must not start a new helper
        self._closed = False

    def _ensure(self) -> Connection:
        if self._closed:
            raise FailedPrecondition("the backend is stopping; no detection is started now")
        if self._process is not None and self._process.is_alive() and self._conn is not None:
            return self._conn
        self._discard()
        parent, child = _SPAWN.Pipe(duplex=True)
        process = _SPAWN.Process(
            target=helper_main,
            args=(child, os.getpid(), str(self.workspace_root)),
            name="omni-detector-helper",
            daemon=True,
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        return parent

    def _discard(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
            if self._process.is_alive():  # still importing torch on a busy machine: SIGTERM is not enough
                self._process.kill()
                self._process.join(timeout=5)
        self._process = self._conn = None

    def detect(self, request: dict[str, Any], timeout: float = REQUEST_TIMEOUT_S) -> dict[str, Any]:
        """Run one request (``onnx``, ``image`` bytes, ``conf``, ``iou``, ``max_det``, ``require_provider``)."""
        with self._lock:
            for attempt in (1, 2):  # a helper that idled out or died is started once more
                conn = self._ensure()
                try:
                    conn.send({"op": "detect", **request})
                    if not conn.poll(timeout):
                        self._discard()
                        raise ResourceExhausted(f"detection took longer than {timeout:g} s")
                    reply = conn.recv()
                    break
                except (EOFError, OSError, BrokenPipeError):
                    self._discard()
                    if attempt == 2:
                        raise FailedPrecondition("the detection helper process stopped unexpectedly") from None
        if reply[0] == "ok":
            return dict(reply[1])
        _, status, message = reply
        raise _ERRORS.get(status, OmniError)(message)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            if self._conn is not None and self._process is not None and self._process.is_alive():
                try:
                    self._conn.send({"op": "stop"})
                    self._process.join(timeout=2)
                except (OSError, EOFError):
                    pass
            self._discard()
