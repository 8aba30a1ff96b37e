"""Model-assisted labelling in the Annotate view against a real backend: Suggest without a detector says so;
with one (a yolo11n checkpoint made in seconds by ``make_detector.py`` and imported with ImportDetector — no
training) S shows dashed suggestions, Enter / the threshold / Delete turn them into saved, undoable edits,
and "Pre-label…" runs the job and follows it in the status bar."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.client import Connection
from desktop.client.embedded import EmbeddedBackend
from desktop.models.annotate.boxes import REVIEW, Box
from desktop.qt.main_window import MainWindow
from protos.omni.v1 import jobs_pb2
from tests.desktop.annotate.helpers import (
    UI_TIMEOUT_MS,
    annotate,
    close_window,
    key,
    make_dataset,
    open_window,
    write_images,
)

CLASSES = ("dent", "dirt", "rust")
SHOTS = Path(os.environ.get("OMNI_SHOTS_DIR", "/tmp/omni-shots"))
MAKE_DETECTOR = Path(__file__).with_name("make_detector.py")


@pytest.fixture(scope="module")
def other(backend: EmbeddedBackend) -> Iterator[Connection]:
    connection = Connection(backend.target)
    connection.wait_ready(10)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A detector .pt for CLASSES, written by a child process (torch stays out of this one)."""
    path = tmp_path_factory.mktemp("detector") / "busy.pt"
    subprocess.run([sys.executable, str(MAKE_DETECTOR), str(path), ",".join(CLASSES)], check=True, timeout=120)
    return path


@pytest.fixture
def window(qtbot: QtBot, backend: EmbeddedBackend) -> Iterator[MainWindow]:
    main = open_window(qtbot, backend.target)
    yield main
    close_window(main)


def server_boxes(other: Connection, dataset: str, image_id: str) -> list[Box]:
    return [Box.from_proto(b) for b in other.get_annotations(dataset, image_id).boxes]


def test_suggest_accept_reject_undo_and_prelabel(
    qtbot: QtBot, window: MainWindow, other: Connection, checkpoint: Path, tmp_path: Path
) -> None:
    image_ids = make_dataset(other, "assist", write_images(tmp_path / "photos", 4, seed=5), CLASSES)
    view = annotate(qtbot, window, "assist")
    model, suggester = view.model, view.suggester
    assert model is not None and suggester is not None and model.image_id == image_ids[0]

    key(view, Qt.Key.Key_S)  # no detector registered yet: the server's reason, plainly
    qtbot.waitUntil(lambda: bool(suggester.error), timeout=UI_TIMEOUT_MS)
    assert suggester.error.startswith("Suggest needs a detector: no detector is registered")
    assert view.panel.suggest.status.text() == suggester.error and model.boxes == ()

    version = other.import_detector(path=str(checkpoint)).version
    key(view, Qt.Key.Key_S)
    assert view.panel.suggest.suggest_button.text() == "Suggesting…"
    qtbot.waitUntil(lambda: not suggester.busy and bool(model.boxes), timeout=60_000)
    assert suggester.error == "" and suggester.last is not None and suggester.last.model_version == version
    scores = [box.confidence for box in model.boxes]
    assert all(s is not None for s in scores) and scores == sorted(scores, reverse=True)  # type: ignore[type-var]
    assert any(s >= 0.5 for s in scores if s) and any(s < 0.5 for s in scores if s)
    assert all(item.suggestion for item in view.canvas.items_)  # drawn dashed, with class and confidence
    assert view.panel.suggest.accept_button.isEnabled()
    qtbot.wait(100)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "suggest-results.png"))

    count = len(scores)
    key(view, Qt.Key.Key_Return)  # the most confident one
    assert model.boxes[0].confidence is None and len(model.boxes) == count
    key(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # all at or above 0.5
    above = sum(1 for s in scores if s is not None and s >= 0.5)
    assert sum(1 for b in model.boxes if b.confidence is None) == above
    qtbot.wait(50)
    assert window.grab().save(str(SHOTS / "suggest-accepted.png"))
    model.select(count - 1)  # the least confident, still a suggestion
    key(view, Qt.Key.Key_Delete)  # reject it
    assert len(model.boxes) == count - 1
    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(model.boxes) == count
    key(view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)  # reject every open suggestion
    assert len(model.boxes) == above and all(b.confidence is None for b in model.boxes)
    expected = model.boxes
    qtbot.waitUntil(lambda: tuple(server_boxes(other, "assist", image_ids[0])) == expected, timeout=UI_TIMEOUT_MS)

    view.prelabel(confirm=False)  # every todo image; the first one is still todo, with people's boxes now
    qtbot.waitUntil(lambda: view.prelabel_watch.job_id is not None, timeout=UI_TIMEOUT_MS)
    job_id = view.prelabel_watch.job_id
    qtbot.waitUntil(lambda: not view.prelabel_watch.active, timeout=60_000)
    job = other.get_job(job_id or "")
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
    assert "Pre-labelling assist finished" in window.statusBar().currentMessage()
    later = other.get_annotations("assist", image_ids[2])
    assert later.status == REVIEW and later.boxes and all(b.HasField("confidence") for b in later.boxes)
    view.order.setCurrentIndex(view.order.findData("confidence"))  # least confident first
    qtbot.waitUntil(lambda: model.images.complete and model.images.total == 4, timeout=UI_TIMEOUT_MS)
