"""The Models view's SageMaker side: Deploy for a selected detector, and the Endpoints tab (Qt-free model, and the
panel offscreen). The RPCs themselves are tested against moto in tests/backend/cloud/test_sagemaker_endpoints.py."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.models.endpoints_model import EndpointsModel, answer_lines, content_type
from desktop.qt.session import Session
from desktop.qt.views.endpoints_panel import EndpointsPanel
from desktop.qt.views.models_view import ModelsView
from protos.omni.v1 import cloud_pb2

ENDPOINTS = [
    cloud_pb2.Endpoint(name="omni-a", status="InService", version="detector_1", memory_mb=2048, max_concurrency=5),
    cloud_pb2.Endpoint(
        name="omni-b",
        status="Failed",
        version="detector_2",
        memory_mb=1024,
        max_concurrency=1,
        failure_reason="the image could not be pulled",
    ),
]


def test_an_answer_reads_as_one_line_per_box() -> None:
    body = json.dumps(
        {
            "width": 640,
            "height": 480,
            "detections": [
                {"class": "rust", "class_id": 1, "confidence": 0.913, "box": [10.2, 20.7, 110.0, 220.4]},
            ],
        }
    ).encode()
    assert answer_lines(body) == ["1 detections on 640 x 480 px", "rust             0.91  [10, 21, 110, 220]"]
    assert answer_lines(b"<html>oops</html>") == ["<html>oops</html>"]
    assert content_type(Path("a.JPG")) == "image/jpeg" and content_type(Path("a.gif")) is None


def test_only_an_endpoint_in_service_can_be_invoked() -> None:
    model = EndpointsModel()
    model.set_endpoints(ENDPOINTS)
    assert [row.cells[0] for row in model.rows()] == ["omni-a", "omni-b"]
    assert model.rows()[1].tooltips == {1: "the image could not be pulled"}
    model.select("omni-b")
    assert not model.can_invoke() and model.can_delete()
    model.select("omni-a")
    assert model.can_invoke()
    model.set_endpoints(ENDPOINTS[1:])  # a refresh without it: the selection goes
    assert model.selected == "" and not model.can_delete()


def test_the_panel_draws_the_endpoints_and_refuses_a_file_endpoints_do_not_read(qtbot: QtBot, tmp_path: Path) -> None:
    panel = EndpointsPanel(Session())
    qtbot.addWidget(panel)
    panel.model.set_endpoints(ENDPOINTS)
    assert panel.table_model.rowCount() == 2 and not panel.invoke_button.isEnabled()
    panel.model.select("omni-a")
    assert panel.invoke_button.isEnabled()
    gif = tmp_path / "photo.gif"
    gif.write_bytes(b"GIF89a")
    panel.invoke_path("omni-a", gif)
    assert "send a .jpg or .png photo" in panel.answer.toPlainText()


def test_the_models_view_has_deploy_and_an_endpoints_tab(qtbot: QtBot) -> None:
    view = ModelsView(Session())
    qtbot.addWidget(view)
    assert not view.deploy_button.isEnabled()  # nothing selected
    assert [view.tabs.tabText(i) for i in range(view.tabs.count())][-1] == "Endpoints"
