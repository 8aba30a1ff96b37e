"""The Batch view's Detect mode against a real backend (``omni serve`` on loopback) with a real detector (a
yolo11n checkpoint made in seconds by ``make_detector.py``, imported and exported by the backend): the Qt-free
model driven by the run's own events, and the panel offscreen — the mode switch, the form's checks, progress,
boxes per class, the failed image, the annotated images in the viewer, and Cancel leaving only whole outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend.storage.local import TEMP_SUFFIX
from desktop.client import Connection
from desktop.client.embedded import EmbeddedBackend
from desktop.models import ConnectionState
from desktop.models.batch_detect_model import DetectFormModel, DetectRunModel, LogEvent, run_events
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from desktop.qt.views.batch_detect_panel import BatchDetectPanel
from desktop.qt.views.batch_view import BatchView
from omni_core.batch.remote_detect import DetectRunResult
from protos.omni.v1 import batch_pb2
from tests.backend.detection.conftest import generate_scenes

MAKE_DETECTOR = Path(__file__).parent / "annotate" / "make_detector.py"
CLASSES = ("dent", "dirt", "rust")
UI_TIMEOUT_MS = 15_000
RUN_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def detector(backend: EmbeddedBackend, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("detector") / "busy.pt"
    subprocess.run([sys.executable, str(MAKE_DETECTOR), str(path), ",".join(CLASSES)], check=True, timeout=180)
    with Connection(backend.target) as connection:
        return connection.import_detector(path=str(path)).version


def scenes_folder(root: Path, count: int, *, broken: bool = True) -> Path:
    scenes = generate_scenes(root / "scenes", count=count)
    source = root / "photos"
    source.mkdir()
    for path in sorted((scenes / "images").rglob("*.jpg")):
        shutil.copy(path, source / path.name)
    if broken:
        (source / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not the rest of a JPEG")
    return source


def test_the_form_checks_before_a_run(tmp_path: Path) -> None:
    form = DetectFormModel()
    assert set(form.validate()) == {"input", "out"}
    form.fields.input = str(tmp_path / "missing")
    form.fields.out = str(tmp_path)
    assert form.validate()["input"].endswith("is not a folder on this machine")
    form.fields.input, form.fields.conf = str(tmp_path), 1.0
    errors = form.validate()
    assert errors["out"].startswith("is the input folder") and errors["conf"].startswith("must be between 0")
    form.fields.out, form.fields.conf = str(tmp_path / "out"), 0.0
    assert form.validate() == {}
    request = form.request()
    assert (request.model, request.conf, request.overwrite) == ("", 0.0, False)  # the backend's defaults


def test_the_run_model_follows_a_real_run(backend: EmbeddedBackend, detector: str, tmp_path: Path) -> None:
    form = DetectFormModel()
    form.fields.input = str(scenes_folder(tmp_path, 5))
    form.fields.out = str(tmp_path / "out")
    form.fields.model = detector
    assert form.validate() == {}
    run = DetectRunModel()
    finished: list[str] = []
    run.image_finished.connect(lambda item: finished.append(item.input))
    run.start(form.request())
    with Connection(backend.target) as connection:
        run.apply(list(run_events(connection, form.request(), threading.Event())))
    assert run.state == "finished" and run.result is not None, run.message
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [f.input for f in run.failures] == ["broken.jpg"] and len(finished) == summary["images"] == 5
    assert {c.name: c.boxes for c in run.class_rows()} == summary["counts_by_class"]
    assert [c.name for c in run.class_rows()] == sorted(CLASSES, key=lambda n: (-summary["counts_by_class"][n], n))
    assert sum(c.boxes for c in run.class_rows()) == summary["detections"] > 0
    assert (run.done, run.total) == (6, 6) and "6/6 images" in run.progress_text()
    source, annotated = run.paths_of(run.finished[0])
    assert source.is_file() and annotated == tmp_path / "out" / "annotated" / run.finished[0].input


class WaitingForResults:
    """A ``DetectConnection`` whose stream says ready, then waits for a result that never comes until ``stop`` is
    set: what ``Connection.detect_stream`` does with a cancelled call (the iteration ends quietly)."""

    def __init__(self) -> None:
        self.stop: threading.Event | None = None

    def detect_stream(
        self, start: object, images: object, *, in_flight: int, stop: threading.Event | None = None
    ) -> Iterator[batch_pb2.DetectStreamResponse]:
        self.stop = stop
        ready = batch_pb2.DetectStreamReady(model="detector_x", classes=list(CLASSES), conf=0.25, iou=0.7, max_det=9)
        yield batch_pb2.DetectStreamResponse(ready=ready)
        assert stop is not None and stop.wait(30)


def test_the_worker_s_stop_stops_the_run_through_its_event(tmp_path: Path) -> None:
    """The panel's worker flag (a window closing, the session disconnecting) sets the run's stop event, as Cancel
    does: the run ends "stopped" with its summary, not "failed"; closing the events early stops it too."""
    source = scenes_folder(tmp_path, 2, broken=False)
    form = DetectFormModel()
    form.fields.input, form.fields.out = str(source), str(tmp_path / "out")
    for close_early in (False, True):
        connection, stop, asked = WaitingForResults(), threading.Event(), threading.Event()
        events = run_events(connection, form.request(), stop, asked.is_set)
        first = next(events)
        assert isinstance(first, LogEvent) and first.message.startswith("detector detector_x")
        if close_early:
            events.close()
            assert stop.is_set() and connection.stop is stop
            continue
        asked.set()
        rest = list(events)
        assert stop.is_set() and connection.stop is stop
        assert isinstance(rest[-1], DetectRunResult) and rest[-1].state == "stopped"
        assert json.loads((tmp_path / "out" / "summary.json").read_text())["state"] == "stopped"


@pytest.fixture
def panel(qtbot: QtBot, backend: EmbeddedBackend) -> Iterator[tuple[BatchView, BatchDetectPanel]]:
    session = Session()
    main = MainWindow(session)
    qtbot.addWidget(main)
    main.resize(1400, 860)
    main.show()
    session.connect_to(backend.target)
    qtbot.waitUntil(lambda: session.connection_model.state is not ConnectionState.CONNECTING, timeout=UI_TIMEOUT_MS)
    view = main.show_view("Batch")
    assert isinstance(view, BatchView)
    view.mode.setCurrentIndex(view.mode.findText("Detect"))
    assert view.pages.currentWidget() is view.detect_panel
    yield view, view.detect_panel
    main.close()
    session.shutdown(stop_backend=False)


def test_detect_a_folder_from_the_panel(
    qtbot: QtBot, panel: tuple[BatchView, BatchDetectPanel], detector: str, tmp_path: Path
) -> None:
    _, detect = panel
    form = detect.form
    qtbot.waitUntil(lambda: form.detectors.findData(detector) >= 0, timeout=UI_TIMEOUT_MS)
    qtbot.mouseClick(detect.start_button, Qt.MouseButton.LeftButton)  # nothing filled in: errors, no run
    assert set(detect.form_model.errors) == {"input", "out"} and not detect.run.active
    assert form.error_labels["input"].isVisibleTo(detect)

    source, out = scenes_folder(tmp_path, 4), tmp_path / "out"
    qtbot.keyClicks(form.input.edit, str(source))
    qtbot.keyClicks(form.out.edit, str(out))
    form.detectors.setCurrentIndex(form.detectors.findData(detector))
    qtbot.mouseClick(detect.start_button, Qt.MouseButton.LeftButton)
    assert detect.run.active and not detect.start_button.isEnabled()
    qtbot.waitUntil(lambda: detect.run.state == "finished", timeout=RUN_TIMEOUT_MS)
    summary = json.loads((out / "summary.json").read_text())
    assert detect.images.count() == summary["images"] == 4
    assert detect.failures.count() == 1 and detect.failures.item(0).text().startswith("broken.jpg: ")
    table = {detect.counts.item(r, 0).text(): int(detect.counts.item(r, 1).text()) for r in range(3)}
    assert table == summary["counts_by_class"] and sum(table.values()) == summary["detections"]
    assert detect.progress.value() == detect.progress.maximum() and "5/5 images" in detect.progress_text.text()
    assert detect.state.text().startswith("Finished: 4 images")
    qtbot.waitUntil(lambda: not detect.viewer_status.text().startswith("The annotated"), timeout=UI_TIMEOUT_MS)
    last = detect.run.finished[-1]
    qtbot.waitUntil(lambda: detect.viewer_status.text().startswith(last.input), timeout=UI_TIMEOUT_MS)

    # a second Start resumes: nothing is detected again, the counts still cover every image
    qtbot.mouseClick(detect.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detect.run.state == "finished", timeout=RUN_TIMEOUT_MS)
    assert detect.images.count() == 0 and "(4 done before)" in detect.state.text()
    assert {detect.counts.item(r, 0).text(): int(detect.counts.item(r, 1).text()) for r in range(3)} == table


def test_cancel_leaves_whole_outputs(
    qtbot: QtBot, panel: tuple[BatchView, BatchDetectPanel], detector: str, tmp_path: Path
) -> None:
    view, detect = panel
    form = detect.form
    qtbot.waitUntil(lambda: form.detectors.findData(detector) >= 0, timeout=UI_TIMEOUT_MS)
    source, out = scenes_folder(tmp_path, 40, broken=False), tmp_path / "out"
    qtbot.keyClicks(form.input.edit, str(source))
    qtbot.keyClicks(form.out.edit, str(out))
    form.detectors.setCurrentIndex(form.detectors.findData(detector))
    qtbot.mouseClick(detect.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: detect.run.done >= 2, timeout=RUN_TIMEOUT_MS)
    qtbot.mouseClick(detect.cancel_button, Qt.MouseButton.LeftButton)
    assert detect.run.state == "stopping" and not detect.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: detect.run.state == "stopped", timeout=RUN_TIMEOUT_MS)
    assert detect.state.text().startswith("Stopped")
    records = sorted(p.stem for p in (out / "records").glob("*.json"))
    assert 2 <= len(records) < 40
    assert all((out / "annotated" / f"{stem}.jpg").is_file() for stem in records)
    assert all((out / "labels" / f"{stem}.txt").is_file() for stem in records)
    assert len(list((out / "annotated").glob("*.jpg"))) == len(records)  # no image without its record
    assert not [p for p in out.rglob("*") if TEMP_SUFFIX in p.name]
    assert json.loads((out / "summary.json").read_text())["state"] == "stopped"
    view.stop()  # the window closing with no run: nothing to stop, nothing fails
