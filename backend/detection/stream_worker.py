"""The worker process behind one ``Batch.DetectStream`` call: images come in over a pipe as bytes, are decoded
like the ``detect_batch`` job decodes files (``images.decode_rgb``) and run through the same ``OnnxDetector``;
boxes go back. Started with *spawn* by ``backend.detection.stream``: ONNX Runtime is imported here only."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from omni_core.detection.images import PREFETCH, UnreadableImage, decode_rgb
from omni_core.errors import OmniError

PARENT_POLL_S = 0.5
DECODERS = 2


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os._exit(70)


def _images(inbox: Connection) -> Iterator[tuple[str, bytes]]:
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):
            return
        if message[0] == "end":
            return
        yield message[1], message[2]


def _read(inbox: Connection, pool: ThreadPoolExecutor, decoding: queue.Queue[Any]) -> None:
    """Hand each image in to a decoder as it arrives (never waiting for more than the client sent: it sends
    a few at a time, then waits for results); ``None`` at the end."""
    try:
        for key, data in _images(inbox):
            decoding.put((key, pool.submit(_decode, data)))
    finally:
        decoding.put(None)


def _decode(data: bytes) -> np.ndarray | UnreadableImage:
    try:
        return decode_rgb(data)
    except UnreadableImage as error:
        return error
    except MemoryError:
        return UnreadableImage("too large to decode in the memory there is")


def failed_result(key: str, reason: str) -> dict[str, Any]:
    return {"key": key, "detected": False, "reason": reason, "width": 0, "height": 0, "seconds": 0.0, "boxes": []}


def detect_worker_main(
    *,
    onnx_path: str,
    require_provider: str,
    conf: float,
    iou: float,
    max_det: int,
    parent_pid: int,
    inbox: Connection,
    outbox: Connection,
) -> None:
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="parent-watch").start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the client's; the call's end stops us
    try:
        from backend.detection import netguard
        from backend.detection.onnx_detector import OnnxDetector

        netguard.install_from_env()
        detector = OnnxDetector.open(Path(onnx_path), require_provider=require_provider)
    except OmniError as error:
        outbox.send(("error", error.status, error.message))
        return
    except Exception as error:  # noqa: BLE001 - the client must learn why the stream cannot start
        why = f"model: ONNX Runtime cannot run this detector here ({type(error).__name__}: {str(error)[:300]})"
        outbox.send(("error", "FAILED_PRECONDITION", why))
        return
    info = detector.info
    ready = {"provider": detector.provider, "warnings": detector.engine.warnings, "classes": detector.names}
    outbox.send(("ready", {**ready, "input_width": info.input_w, "input_height": info.input_h}))
    detected = failed = 0
    try:
        with ThreadPoolExecutor(max_workers=DECODERS, thread_name_prefix="detect-decode") as pool:
            decoding: queue.Queue[Any] = queue.Queue(maxsize=PREFETCH)
            threading.Thread(target=_read, args=(inbox, pool, decoding), daemon=True, name="detect-read").start()
            while (entry := decoding.get()) is not None:
                key, pixels = entry[0], entry[1].result()
                if isinstance(pixels, UnreadableImage):
                    failed += 1
                    outbox.send(("result", failed_result(key, pixels.reason)))
                    continue
                began = time.perf_counter()
                found = detector.detect(pixels, conf=conf, iou=iou, max_det=max_det)
                boxes = [(d.class_id, d.class_name, d.confidence, d.x1, d.y1, d.x2, d.y2) for d in found]
                height, width = pixels.shape[:2]
                result = {"key": key, "detected": True, "reason": "", "width": int(width), "height": int(height)}
                outbox.send(("result", {**result, "seconds": time.perf_counter() - began, "boxes": boxes}))
                detected += 1
        outbox.send(("done", {"detected": detected, "failed": failed}))
    except (BrokenPipeError, EOFError):
        pass  # the server ended the call
    except Exception as error:  # noqa: BLE001
        try:
            outbox.send(("error", "INTERNAL", f"{type(error).__name__}: {error}\n{traceback.format_exc()}"))
        except OSError:
            pass
