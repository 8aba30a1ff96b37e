"""The worker process behind one ``Batch.DetectStream`` call: images come in over a pipe as bytes, are decoded
like the ``detect_batch`` job decodes files (``images.decode_rgb``) and run through the same ``OnnxDetector``;
boxes go back. Started with *spawn* by ``backend.detection.stream``: ONNX Runtime is imported here only."""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from backend.processes.messages import Done, End, Image, Ready, Result
from backend.processes.outcome import outcome
from backend.processes.stream_child import opening_failure, report_run_end
from backend.processes.watchdog import watch_parent
from omni_core.detection.images import PREFETCH, UnreadableImage, decode_rgb

DECODERS = 2


def _images(conn: Connection) -> Iterator[Image]:
    while True:
        try:
            message: Image | End = conn.recv()
        except (EOFError, OSError):
            return
        if isinstance(message, End):
            return
        yield message


def _read(conn: Connection, pool: ThreadPoolExecutor, decoding: queue.Queue[Any]) -> None:
    """Hand each image in to a decoder as it arrives (never waiting for more than the client sent: it sends
    a few at a time, then waits for results); ``None`` at the end."""
    try:
        for image in _images(conn):
            decoding.put((image.key, pool.submit(_decode, image.data)))
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
    conn: Connection,
) -> None:
    watch_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the client's; the call's end stops us
    with outcome(swallow=Exception) as opened:
        from backend.detection import netguard
        from backend.detection.onnx_detector import OnnxDetector

        netguard.install_from_env()
        detector = OnnxDetector.open(Path(onnx_path), require_provider=require_provider)
    refused = opening_failure(opened, "this detector")
    if refused is not None:  # the client must learn why the stream cannot start
        conn.send(refused)
        return
    info = detector.info
    ready = {"provider": detector.provider, "warnings": detector.engine.warnings, "classes": detector.names}
    conn.send(Ready({**ready, "input_width": info.input_w, "input_height": info.input_h}))
    detected = failed = 0
    with outcome(swallow=Exception) as ran:
        with ThreadPoolExecutor(max_workers=DECODERS, thread_name_prefix="detect-decode") as pool:
            decoding: queue.Queue[Any] = queue.Queue(maxsize=PREFETCH)
            threading.Thread(target=_read, args=(conn, pool, decoding), daemon=True, name="detect-read").start()
            while (entry := decoding.get()) is not None:
                key, pixels = entry[0], entry[1].result()
                if isinstance(pixels, UnreadableImage):
                    failed += 1
                    conn.send(Result(failed_result(key, pixels.reason)))
                    continue
                began = time.perf_counter()
                found = detector.detect(pixels, conf=conf, iou=iou, max_det=max_det)
                boxes = [(d.class_id, d.class_name, d.confidence, d.x1, d.y1, d.x2, d.y2) for d in found]
                height, width = pixels.shape[:2]
                result = {"key": key, "detected": True, "reason": "", "width": int(width), "height": int(height)}
                conn.send(Result({**result, "seconds": time.perf_counter() - began, "boxes": boxes}))
                detected += 1
        conn.send(Done({"detected": detected, "failed": failed}))
    report_run_end(ran, conn.send)
