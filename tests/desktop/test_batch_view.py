"""The Batch view against a real backend: a tiny layer-1 model trained through the backend, then a folder
with one corrupt file restored from the view; failures, the before/after viewer and the summary. The same
run streamed from this machine, as for a remote backend: in this process on a worker thread (no child
process), cancelled part-way and resumed, stopped when the view goes away, and reconnecting when the backend
cannot be reached."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest
import shiboken6
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from pytestqt.qtbot import QtBot

from desktop.client import BackendTarget, Connection
from desktop.client.connection import TERMINAL_STATES
from desktop.client.embedded import EmbeddedBackend
from desktop.models import ConnectionState
from desktop.models.batch_form_model import FORM_AUTO_TILE
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from desktop.qt.views.batch_form import TileSpinBox
from desktop.qt.views.batch_view import BatchView
from omni_core.jobkinds import RESTORE_BATCH
from protos.omni.v1 import jobs_pb2, training_pb2

TRAIN_TIMEOUT_S = 120
RUN_TIMEOUT_MS = 90_000
UI_TIMEOUT_MS = 15_000
SIZE = 48
SHOTS = Path(os.environ.get("OMNI_SHOTS", "/tmp/omni-shots"))


def smooth(rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    phase = rng.uniform(0, 6.28, size=3)
    return np.stack([0.5 + 0.4 * np.sin(6 * xx + 4 * yy * (c + 1) + phase[c]) for c in range(3)], axis=-1)


def noisy(rng: np.random.Generator, clean: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(clean + rng.normal(0, 0.12, clean.shape), 0, 1) * 255).astype(np.uint8))


@pytest.fixture(scope="module")
def version(backend: EmbeddedBackend, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A registered layer-1 version: tiny, one epoch, patch 32, on a few generated pairs."""
    root = tmp_path_factory.mktemp("pairs")
    rng = np.random.default_rng(0)
    for side in ("clean", "degraded"):
        (root / side).mkdir()
    for index in range(6):
        clean = smooth(rng)
        Image.fromarray((clean * 255).astype(np.uint8)).save(root / "clean" / f"p{index}.png")
        noisy(rng, clean).save(root / "degraded" / f"p{index}.png")
    spec = training_pb2.TrainRestorationSpec(
        data=str(root), layer=1, preset="tiny", epochs=1, batch_size=4, patch=32, device="cpu", val_split=0.34
    )
    with Connection(backend.target) as connection:
        job = connection.submit(jobs_pb2.JobSpec(train_restoration=spec))
        for _ in connection.follow_job(job.id):
            pass
        job = connection.get_job(job.id)
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
    return job.outputs["model_version"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Four noisy images (one in a subfolder) and one corrupt PNG."""
    source = tmp_path / "scans"
    (source / "sub").mkdir(parents=True)
    rng = np.random.default_rng(1)
    for name in ("a.png", "b.png", "c.jpg", "sub/d.png"):
        noisy(rng, smooth(rng)).save(source / name)
    (source / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nthis is not really a png")
    return source


@pytest.fixture
def window(qtbot: QtBot, backend: EmbeddedBackend) -> Iterator[MainWindow]:
    session = Session()
    main = MainWindow(session)
    qtbot.addWidget(main)
    main.resize(1400, 860)
    main.show()
    session.connect_to(backend.target)
    qtbot.waitUntil(lambda: session.connection_model.state is not ConnectionState.CONNECTING, timeout=UI_TIMEOUT_MS)
    assert session.connection_model.connected, session.connection_model.error
    yield main
    main.close()
    session.shutdown(stop_backend=False)


def test_restore_a_folder_from_the_view(qtbot: QtBot, window: MainWindow, version: str, folder: Path) -> None:
    view = window.show_view("Batch")
    assert isinstance(view, BatchView)
    form = view.form
    qtbot.waitUntil(lambda: form.choose_model(version), timeout=UI_TIMEOUT_MS)  # the list arrives in the background
    assert (view.form_model.fields.model, view.form_model.spec().layer) == (version, 0)

    qtbot.mouseClick(view.controls.start_button, Qt.MouseButton.LeftButton)  # nothing filled in: errors, no job
    assert set(view.form_model.errors) == {"input", "out"} and not view.run.job_id
    assert form.error_labels["input"].isVisibleTo(view)

    out = folder.parent / "restored"
    qtbot.keyClicks(form.input.edit, str(folder))
    qtbot.keyClicks(form.out.edit, str(out))
    form.recursive.setChecked(True)
    form.tile.setValue(0)  # whole images
    form.format.setCurrentIndex(form.format.findData("png"))
    qtbot.mouseClick(view.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(view.run.job_id), timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: view.run.state in TERMINAL_STATES, timeout=RUN_TIMEOUT_MS)
    assert view.run.state == jobs_pb2.JOB_STATE_SUCCEEDED, view.run.message
    qtbot.waitUntil(
        lambda: view.results.files.count() == 5 and view.controls.failures.count() == 1, timeout=UI_TIMEOUT_MS
    )

    assert view.run.failures[0].input == "broken.png"
    assert "broken.png" in view.controls.failures.item(0).text()
    assert sorted(view.run.restored()) == ["a.png", "b.png", "c.jpg", "sub/d.png"]
    assert (out / "c.png").is_file() and (out / "sub" / "d.png").is_file()
    assert view.run.paths_of("c.jpg") == (folder / "c.jpg", out / "c.png")  # the output its item event named
    assert view.controls.progress.value() == view.controls.progress.maximum()
    assert "5/5 images" in view.controls.progress_text.text()

    # the before/after viewer: choose c.jpg (restored into c.png)
    item = view.results.files.findItems("c.jpg", Qt.MatchFlag.MatchExactly)[0]
    view.results.files.setCurrentItem(item)
    viewer = view.results.viewer
    qtbot.waitUntil(lambda: viewer.has_images and "c.jpg" in view.results.viewer_status.text(), timeout=UI_TIMEOUT_MS)
    assert viewer.before.pixmap().width() == SIZE and viewer.after.pixmap().width() == SIZE

    # drag the split line from the middle to a quarter of the image
    line = QPoint(round(viewer._line_x()), viewer.viewport().height() // 2)
    left = viewer.mapFromScene(QPointF(SIZE * 0.25, SIZE / 2))
    qtbot.mousePress(viewer.viewport(), Qt.MouseButton.LeftButton, pos=line)
    qtbot.mouseMove(viewer.viewport(), left)
    qtbot.mouseRelease(viewer.viewport(), Qt.MouseButton.LeftButton, pos=left)
    assert viewer.split == pytest.approx(0.25, abs=0.05)

    # zoom at a point keeps that point under the cursor, for both images (one scene, one transform)
    at = QPointF(viewer.mapFromScene(QPointF(SIZE * 0.7, SIZE * 0.3)))
    before_zoom = viewer.zoom
    viewer.zoom_by(2.0, at)
    assert viewer.zoom == pytest.approx(before_zoom * 2)
    assert viewer.mapToScene(at.toPoint()).x() == pytest.approx(SIZE * 0.7, abs=1.0)
    viewer.fit()

    # the failed file shows why it is not in the viewer
    view.results.files.setCurrentItem(view.results.files.findItems("broken.png", Qt.MatchFlag.MatchExactly)[0])
    assert "not restored" in view.results.viewer_status.text()
    view.results.files.setCurrentItem(item)
    qtbot.waitUntil(lambda: viewer.has_images, timeout=UI_TIMEOUT_MS)

    dialog = view.controls.open_summary()
    text = view.controls.summary_view.toPlainText()
    assert "RESTORE SUMMARY" in text and "broken.png" in text and version in text
    dialog.close()

    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "batch-results.png"))


def fill(qtbot: QtBot, view: BatchView, version: str, source: Path, out: Path) -> None:
    form = view.form
    qtbot.waitUntil(lambda: form.choose_model(version), timeout=UI_TIMEOUT_MS)
    form.input.edit.setText(str(source))
    form.out.edit.setText(str(out))


def child_processes() -> set[int]:
    """This process's own children: the embedded backend (its workers are its business, not ours), and an
    `omni restore` child if the view started one."""
    return {process.pid for process in psutil.Process().children()}


def run_thread_alive() -> bool:
    return any(thread.name == "omni-remote-restore" for thread in threading.enumerate())


def test_stream_a_folder_from_the_view(qtbot: QtBot, window: MainWindow, version: str, folder: Path) -> None:
    view = window.show_view("Batch")
    assert isinstance(view, BatchView)
    form = view.form
    assert form.stream.isEnabled() and not form.stream.isChecked()  # a backend on this machine: a choice
    assert not view.remote_note.isVisibleTo(view)
    view.form_model.set_backend_remote(True)  # what a remote backend's address does: streaming, locked on
    assert form.stream.isChecked() and not form.stream.isEnabled() and view.form_model.streamed
    view.form_model.set_backend_remote(False)
    assert not form.stream.isChecked() and form.stream.isEnabled()

    out = folder.parent / "streamed"
    fill(qtbot, view, version, folder, out)
    form.recursive.setChecked(True)
    form.tile.setValue(0)  # whole images: the CLI's --tile 0
    form.format.setCurrentIndex(form.format.findData("png"))
    qtbot.mouseClick(form.stream, Qt.MouseButton.LeftButton)
    assert view.form_model.fields.stream
    before = child_processes()  # the embedded backend
    qtbot.mouseClick(view.controls.start_button, Qt.MouseButton.LeftButton)
    assert view.run.streamed and view.run.active and not view.controls.start_button.isEnabled()
    assert run_thread_alive() and child_processes() <= before  # in this process: no `omni restore` child
    qtbot.waitUntil(lambda: view.run.state in TERMINAL_STATES, timeout=RUN_TIMEOUT_MS)
    assert view.run.state == jobs_pb2.JOB_STATE_SUCCEEDED, view.run.message
    qtbot.waitUntil(
        lambda: view.results.files.count() == 5 and view.controls.failures.count() == 1, timeout=UI_TIMEOUT_MS
    )
    qtbot.waitUntil(view.controls.start_button.isEnabled, timeout=UI_TIMEOUT_MS)
    assert child_processes() <= before and not view.runner.stream

    assert view.run.failures[0].input == "broken.png" and "broken.png" in view.controls.failures.item(0).text()
    assert view.run.failures[0].reason  # the typed ItemOutcome, shown as it came
    assert sorted(view.run.restored()) == ["a.png", "b.png", "c.jpg", "sub/d.png"]
    for name in ("a.png", "b.png", "c.png", "sub/d.png"):
        with Image.open(out / name) as image:
            assert image.size == (SIZE, SIZE)
    assert view.controls.progress.value() == view.controls.progress.maximum()
    assert "100% · 5/5 images" in view.controls.progress_text.text()
    assert "succeeded · 1 failed" in view.controls.state.text()

    view.results.files.setCurrentItem(view.results.files.findItems("c.jpg", Qt.MatchFlag.MatchExactly)[0])
    qtbot.waitUntil(
        lambda: view.results.viewer.has_images and "c.jpg" in view.results.viewer_status.text(), timeout=UI_TIMEOUT_MS
    )

    assert view.run.summary_path() == out.resolve() / "restore-summary.txt"
    summary = json.loads((out / "restore-summary.json").read_text())
    assert summary["mode"] == "remote" and summary["state"] == "finished" and summary["counts"]["restored"] == 4
    dialog = view.controls.open_summary()
    text = view.controls.summary_view.toPlainText()
    assert "RESTORE SUMMARY" in text and "(remote)" in text and "broken.png" in text and version in text
    dialog.close()

    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "batch-streamed.png"))


@pytest.fixture
def big_folder(tmp_path: Path) -> Path:
    """Enough work (many tiles) that a streamed run is still going when it is cancelled."""
    source = tmp_path / "big"
    source.mkdir()
    rng = np.random.default_rng(2)
    base = smooth(rng)
    for index in range(40):
        Image.fromarray((np.tile(base, (8, 8, 1)) * 255).astype(np.uint8)).save(source / f"{index:02d}.png")
    return source


def stopped_cleanly(out: Path) -> list[Path]:
    """OUT after a stop: a "stopped" summary, no partial files, every output whole. Returns the outputs."""
    assert json.loads((out / "restore-summary.json").read_text())["state"] == "stopped"
    assert not [path for path in out.iterdir() if "partial" in path.name]
    outputs = sorted(out.glob("*.png"))
    for path in outputs:
        with Image.open(path) as image:
            image.load()
            assert image.size == (SIZE * 8, SIZE * 8)
    return outputs


def start_streamed_in_small_tiles(qtbot: QtBot, view: BatchView, version: str, source: Path, out: Path) -> None:
    """Start a streamed run slow enough (64 px tiles) to be stopped part-way."""
    fill(qtbot, view, version, source, out)
    view.form.tile.setValue(64)
    view.form.overlap.setValue(16)
    view.form.stream.setChecked(True)
    view.start()


def test_cancel_resume_and_closing_stop_a_streamed_run(
    qtbot: QtBot, window: MainWindow, version: str, big_folder: Path
) -> None:
    view = window.show_view("Batch")
    assert isinstance(view, BatchView)
    out = big_folder.parent / "out"
    start_streamed_in_small_tiles(qtbot, view, version, big_folder, out)
    qtbot.waitUntil(lambda: len(view.run.finished) >= 2 or not view.run.active, timeout=RUN_TIMEOUT_MS)
    assert view.run.active, view.run.message
    clicked = time.monotonic()
    qtbot.mouseClick(view.controls.cancel_button, Qt.MouseButton.LeftButton)
    assert "Stopping" in view.controls.form_status.text()
    qtbot.waitUntil(lambda: not view.run.active, timeout=RUN_TIMEOUT_MS)
    assert time.monotonic() - clicked < 10  # the stream is cancelled, not drained
    assert view.run.state == jobs_pb2.JOB_STATE_CANCELLED, view.run.message
    assert "cancelled" in view.controls.state.text() and "run again to resume" in view.controls.progress_text.text()
    done = stopped_cleanly(out)
    assert 2 <= len(done) < 40 and len(view.run.restored()) == len(done)
    qtbot.waitUntil(view.controls.start_button.isEnabled, timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not run_thread_alive(), timeout=UI_TIMEOUT_MS)

    # the view that goes away (its window closed, or deleted) stops its run the same way, before it is gone
    session = window.session
    other = BatchView(session)
    start_streamed_in_small_tiles(qtbot, other, version, big_folder, out)
    # its finished list starts with the files the first run restored (skipped items with an output): wait for
    # one restored by this run
    qtbot.waitUntil(lambda: other.run.done >= 1 or not other.run.active, timeout=RUN_TIMEOUT_MS)
    assert other.run.active and run_thread_alive(), other.run.message
    shiboken6.delete(other)
    assert not run_thread_alive()  # stopped, its summary written, before the view was gone
    resumed_once = stopped_cleanly(out)
    assert len(resumed_once) > len(done)

    # Start again in the first view: it resumes (the outputs already whole are skipped) and finishes
    view.start()
    assert view.run.active
    qtbot.waitUntil(lambda: not view.run.active, timeout=RUN_TIMEOUT_MS * 2)
    assert view.run.state == jobs_pb2.JOB_STATE_SUCCEEDED, view.run.message
    summary = json.loads((out / "restore-summary.json").read_text())
    assert summary["state"] == "finished"
    assert (summary["counts"]["restored"], summary["counts"]["skipped"]) == (40 - len(resumed_once), len(resumed_once))
    assert len(list(out.glob("*.png"))) == 40 and len(view.run.finished) == 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_streamed_run_says_it_is_reconnecting_and_cancel_ends_the_wait(
    qtbot: QtBot, window: MainWindow, folder: Path
) -> None:
    view = window.show_view("Batch")
    assert isinstance(view, BatchView)
    session = window.session
    connected = session.connection
    assert connected is not None
    unreachable = Connection(BackendTarget(f"127.0.0.1:{free_port()}"))  # where the backend went away
    session.connection = unreachable
    messages: list[str] = []
    session.message.connect(messages.append)
    try:
        out = folder.parent / "unreached"
        view.form.input.edit.setText(str(folder))
        view.form.out.edit.setText(str(out))
        view.form.stream.setChecked(True)
        view.start()
        qtbot.waitUntil(lambda: "reconnecting…" in view.controls.progress_text.text(), timeout=UI_TIMEOUT_MS)
        assert view.run.active and any("reconnecting…" in message for message in messages)  # the status bar
        assert "not reachable" in view.run.reconnecting
        clicked = time.monotonic()
        qtbot.mouseClick(view.controls.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not view.run.active, timeout=UI_TIMEOUT_MS)
        assert time.monotonic() - clicked < 3  # the wait between tries ends at once
        assert view.run.state == jobs_pb2.JOB_STATE_CANCELLED and view.run.reconnecting == ""
        assert json.loads((out / "restore-summary.json").read_text())["state"] == "stopped"
        assert not list(out.glob("*.png"))
    finally:
        session.connection = connected
        unreachable.close()


def test_the_state_line_says_how_many_subfolders_were_not_entered(qtbot: QtBot, window: MainWindow) -> None:
    view = window.show_view("Batch")
    assert isinstance(view, BatchView)
    finished = jobs_pb2.Job(id="restore_batch_flat", kind="restore_batch", state=jobs_pb2.JOB_STATE_SUCCEEDED)
    finished.spec.restore_batch.input, finished.spec.restore_batch.out = "/in", "/out"
    finished.outputs["subfolders_not_entered"] = "2"  # what a run without recursive reports
    view.run.start(finished)
    qtbot.waitUntil(
        lambda: "2 subfolders not entered: tick Recursive" in view.controls.state.text(), timeout=UI_TIMEOUT_MS
    )


def test_the_form_takes_the_connected_backends_description(qtbot: QtBot, window: MainWindow) -> None:
    view = window.show_view("Batch")
    assert isinstance(view, BatchView)
    # the backend's answer, read back: equal to this client's table, but not the table itself
    qtbot.waitUntil(lambda: view.form_model.kind is not RESTORE_BATCH, timeout=UI_TIMEOUT_MS)
    assert view.form_model.kind == RESTORE_BATCH
    assert view.form.quality.maximum() == RESTORE_BATCH["quality"].maximum


def test_the_tile_box_steps_from_auto_to_whole_images_to_sides(qtbot: QtBot) -> None:
    box = TileSpinBox()
    qtbot.addWidget(box)
    box.setValue(FORM_AUTO_TILE)
    assert box.text() == "auto"
    box.stepBy(1)
    assert (box.value(), box.text()) == (0, "whole images")
    box.stepBy(2)
    assert (box.value(), box.text()) == (128, "128 px")
    box.stepBy(-3)
    assert box.value() == FORM_AUTO_TILE
