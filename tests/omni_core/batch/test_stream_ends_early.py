"""The remote clients against a backend that ends a stream without its ``done`` message (what a server did when
its worker died while the request reader was feeding it): the run fails and says so, instead of reporting
"finished" with images that never got a result."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from omni_core.batch.params import RestoreOptions
from omni_core.batch.remote import ENDED_EARLY, RemoteRestore, restore_remote
from omni_core.batch.remote_detect import RemoteDetect, detect_remote
from omni_core.batch.summary import SUMMARY_JSON
from omni_core.errors import Unavailable
from protos.omni.v1 import batch_pb2


class EndsAfterReady:
    """Says ready, then the call ends OK: no result, no ``done``."""

    def restore_stream(
        self, start: object, images: object, *, in_flight: int, stop: threading.Event | None = None
    ) -> Iterator[batch_pb2.RestoreStreamResponse]:
        yield batch_pb2.RestoreStreamResponse(ready=batch_pb2.RestoreStreamReady(model="restoration_layer1_x"))

    def detect_stream(
        self, start: object, images: object, *, in_flight: int, stop: threading.Event | None = None
    ) -> Iterator[batch_pb2.DetectStreamResponse]:
        ready = batch_pb2.DetectStreamReady(model="detector_x", classes=["dent"], conf=0.25, iou=0.7, max_det=9)
        yield batch_pb2.DetectStreamResponse(ready=ready)


def _images(folder: Path, count: int) -> Path:
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(count):
        Image.fromarray(rng.integers(0, 255, (32, 48, 3), dtype=np.uint8)).save(folder / f"{index}.png")
    return folder


def test_a_restore_stream_without_done_fails_the_run(tmp_path: Path) -> None:
    request = RemoteRestore(_images(tmp_path / "in", 3), tmp_path / "out", RestoreOptions(layer=1))
    retried: list[BaseException] = []
    with pytest.raises(Unavailable, match="before its `done` message"):
        restore_remote(EndsAfterReady(), request, retry=lambda error: retried.append(error) and False)
    assert [str(error) for error in retried] == [ENDED_EARLY]
    summary = json.loads((tmp_path / "out" / SUMMARY_JSON).read_text())
    assert summary["state"] == "failed" and ENDED_EARLY in summary["message"]


def test_a_detect_stream_without_done_fails_the_run(tmp_path: Path) -> None:
    request = RemoteDetect(_images(tmp_path / "in", 3), tmp_path / "out", model="detector_x")
    with pytest.raises(Unavailable, match="before its `done` message"):
        detect_remote(EndsAfterReady(), request)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["state"] == "failed" and ENDED_EARLY in summary["message"]
