"""Never lose work: an edit acknowledged on screen survives the desktop being SIGKILLed right after it,
and edits made while the backend is down (killed mid-session) queue locally and reach it once it is back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.client import Connection
from desktop.client.embedded import EmbeddedBackend
from desktop.models.annotate.api import InlineRunner, ManualClock
from desktop.models.annotate.boxes import Box
from desktop.models.annotate.session import AnnotationSession
from protos.omni.v1 import datasets_pb2
from tests.desktop.annotate.helpers import (
    UI_TIMEOUT_MS,
    annotate,
    close_window,
    drag,
    key,
    make_dataset,
    open_window,
    write_images,
)
from tests.desktop.annotate.kill_child import EDIT

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_images(tmp_path_factory.mktemp("images"), 4, seed=7)


def test_an_acknowledged_edit_survives_sigkill_of_the_desktop(
    backend: EmbeddedBackend, images: list[Path], tmp_path: Path
) -> None:
    connection = Connection(backend.target)
    connection.wait_ready(10)
    make_dataset(connection, "killed", images)
    journal = tmp_path / "journal.jsonl"
    env = {**os.environ, "OMNI_TOKEN": backend.target.token, "OMNI_STATE_DIR": str(tmp_path / "state")}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.desktop.annotate.kill_child", backend.target.address, "killed", str(journal)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("ACK"), (line, child.stderr.read() if child.poll() is not None and child.stderr else "")
        image_id = line.split()[1]
    finally:
        child.send_signal(signal.SIGKILL)  # right after the acknowledgement
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    assert list(connection.get_annotations("killed", image_id).boxes) == []  # it never reached the server

    clock = ManualClock()
    model: AnnotationSession[datasets_pb2.ImageData] = AnnotationSession(
        "killed", InlineRunner(connection), clock, journal, decode=lambda d: d, size_of=lambda d: len(d.data)
    )
    assert model.docs[image_id].boxes == (EDIT,)  # shown as it was, before the server has it
    model.open()
    clock.advance(1.0)
    saved = connection.get_annotations("killed", image_id)
    assert [Box.from_proto(b) for b in saved.boxes] == [EDIT] and saved.revision == 1
    assert model.journal.pending() == [] and model.boxes == (EDIT,)
    model.close()
    connection.close()


def test_edits_queue_while_the_backend_is_down_and_flush_when_it_is_back(
    qtbot: QtBot, images: list[Path], tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    first = EmbeddedBackend.start(workspace=workspace)
    second: EmbeddedBackend | None = None
    window = None
    try:
        with Connection(first.target) as connection:
            connection.wait_ready(10)
            ids = make_dataset(connection, "offline", images)
        window = open_window(qtbot, first.target)
        view = annotate(qtbot, window, "offline")
        model = view.model
        assert model is not None
        qtbot.waitUntil(lambda: len(model.cache) >= 2 and ids[1] in model.docs, timeout=UI_TIMEOUT_MS)

        assert first.process is not None
        first.process.kill()  # the backend dies mid-session
        first.process.wait(10)
        drag(view, (100, 100), (200, 200))
        qtbot.waitUntil(lambda: "Offline — 1 edit queued" in view.save_label.text(), timeout=UI_TIMEOUT_MS)
        key(view, Qt.Key.Key_D)  # the next image was prefetched: still workable offline
        qtbot.waitUntil(lambda: model.row == 1 and model.editable, timeout=UI_TIMEOUT_MS)
        drag(view, (300, 300), (400, 380))
        key(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: "Offline — 3 edits queued" in view.save_label.text(), timeout=UI_TIMEOUT_MS)

        second = EmbeddedBackend.start(workspace=workspace)  # back, on another port
        window.session.connect_to(second.target)
        qtbot.waitUntil(lambda: "All changes saved" in view.save_label.text(), timeout=UI_TIMEOUT_MS)
        with Connection(second.target) as connection:
            first_image = connection.get_annotations("offline", ids[0])
            second_image = connection.get_annotations("offline", ids[1])
        assert len(first_image.boxes) == 1 and first_image.revision == 1
        assert len(second_image.boxes) == 1 and second_image.status == datasets_pb2.IMAGE_STATUS_DONE
    finally:
        if window is not None:
            close_window(window)
        for started in (first, second):
            if started is not None:
                started.stop()
