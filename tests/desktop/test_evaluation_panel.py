"""The Models view's Evaluate, offscreen against a real backend child process: an untrained restoration model
is scored on the real-image set as a job, with progress and then the result table marking it worse than its
input, and its HTML report; a second run (with BM3D, slow) is cancelled from the panel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.client.embedded import EmbeddedBackend
from desktop.models import ConnectionState
from desktop.models.evaluation_table import WORSE_MARK
from desktop.qt.session import Session
from desktop.qt.views.models_view import ModelsView
from protos.omni.v1 import jobs_pb2
from tests.backend.batch.conftest import register, tiny_onnx  # noqa: F401 - an exported untrained model

UI_TIMEOUT_MS = 15_000
EVAL_TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest.fixture(scope="module")
def served(workspace: Path) -> Iterator[EmbeddedBackend]:
    embedded = EmbeddedBackend.start(workspace=workspace)
    try:
        yield embedded
    finally:
        embedded.stop()


@pytest.fixture
def view(qtbot: QtBot, served: EmbeddedBackend) -> Iterator[ModelsView]:
    session = Session()
    models = ModelsView(session)
    qtbot.addWidget(models)
    models.show()
    session.connect_to(served.target)
    qtbot.waitUntil(lambda: session.connection_model.state is not ConnectionState.CONNECTING, timeout=UI_TIMEOUT_MS)
    assert session.connection_model.connected, session.connection_model.error
    yield models
    models.evaluation.stop()
    session.shutdown(stop_backend=False)


def test_evaluate_a_version_follow_it_read_the_table_and_the_report_then_cancel_one(
    qtbot: QtBot,
    view: ModelsView,
    workspace: Path,
    tiny_onnx: Path,  # noqa: F811
) -> None:
    version = register(workspace, tiny_onnx)
    panel = view.evaluation
    assert not view.evaluate_button.isEnabled()  # nothing selected
    view.show_item(version)
    qtbot.waitUntil(lambda: view.model.selected == [version], timeout=UI_TIMEOUT_MS)
    assert view.evaluate_button.isEnabled() and panel.evaluate_button.isEnabled()

    qtbot.mouseClick(view.evaluate_button, Qt.MouseButton.LeftButton)
    assert view.tabs.currentWidget() is panel
    assert panel.model.running and not view.evaluate_button.isEnabled()  # submitted in the background
    qtbot.waitUntil(lambda: panel.model.job_id != "", timeout=UI_TIMEOUT_MS)
    assert panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not panel.model.running, timeout=EVAL_TIMEOUT_MS)
    assert panel.model.state == jobs_pb2.JOB_STATE_SUCCEEDED, panel.model.error
    table = panel.table_model
    cells = [table.rows[row].cells for row in range(table.rowCount())]
    assert [(c[0], c[1]) for c in cells if c[0] == "photo"] == [
        ("photo", "degraded input"),
        ("photo", "NLM (OpenCV)"),
        ("photo", "model"),
    ]
    assert WORSE_MARK in next(c[4] for c in cells if c[:2] == ("photo", "model"))  # an untrained model
    assert "photo: model -" in panel.verdicts.text() and not panel.cancel_button.isVisible()

    assert panel.report_button.isVisible()
    qtbot.mouseClick(panel.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.report.isVisible, timeout=UI_TIMEOUT_MS)
    assert version in panel.report.toPlainText()

    panel.bm3d.setChecked(True)  # BM3D takes seconds a crop: time to cancel
    panel.evaluate()
    qtbot.waitUntil(lambda: panel.model.state == jobs_pb2.JOB_STATE_RUNNING, timeout=UI_TIMEOUT_MS * 2)
    assert panel.cancel_button.isEnabled()
    panel.cancel()
    assert not panel.cancel_button.isEnabled()  # asked once
    qtbot.waitUntil(lambda: not panel.model.running, timeout=UI_TIMEOUT_MS * 2)
    assert panel.model.state == jobs_pb2.JOB_STATE_CANCELLED and panel.model.result is None
    assert "cancelled" in panel.status.text() and panel.table_model.rowCount() == 0
