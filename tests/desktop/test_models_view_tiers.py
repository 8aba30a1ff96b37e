"""The Models view shows each version's tier and measured speed next to its PSNR/SSIM (real widgets offscreen
over an embedded backend, versions registered with the cards a training run writes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend.registry import ModelRegistry
from backend.storage import LocalStore
from desktop.client.embedded import EmbeddedBackend
from desktop.models import ConnectionState
from desktop.qt.session import Session
from desktop.qt.views.models_view import ModelsView

UI_TIMEOUT_MS = 15_000
SPEED = {
    "mp_per_s": 3.4567,
    "provider": "CPUExecutionProvider",
    "cpu": "Test CPU",
    "threads": 2,
    "side": 1024,
    "parallel_mp_per_s": 4.123,
    "streams": 2,
}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    files = tmp_path / "files"
    files.mkdir()
    (files / "model.onnx").write_bytes(b"onnx")
    registry = ModelRegistry(LocalStore(tmp_path / "ws"))
    metrics = {"psnr": 26.7812, "ssim": 0.9012, "mp_per_s": SPEED["mp_per_s"]}
    card = {"architecture": "layer1", "tier": "fast", "metrics": metrics, "speed": SPEED, "created_at": 1000.0}
    registry.register("layer_1", {"onnx": files / "model.onnx"}, card, version="restoration_layer1_20260101_000000")
    older = {"architecture": "restormer", "metrics": {"psnr": 27.5}, "created_at": 500.0}  # before tiers and speed
    registry.register("layer_2", {"onnx": files / "model.onnx"}, older, version="restoration_layer2_20250101_000000")
    return tmp_path / "ws"


@pytest.fixture
def view(qtbot: QtBot, workspace: Path) -> Iterator[ModelsView]:
    embedded = EmbeddedBackend.start(workspace=workspace)
    session = Session()
    models = ModelsView(session)
    qtbot.addWidget(models)
    models.show()
    session.connect_to(embedded.target)
    qtbot.waitUntil(lambda: session.connection_model.state is not ConnectionState.CONNECTING, timeout=UI_TIMEOUT_MS)
    try:
        assert session.connection_model.connected, session.connection_model.error
        yield models
    finally:
        session.shutdown(stop_backend=False)
        embedded.stop()


def test_tier_and_speed_columns(qtbot: QtBot, view: ModelsView) -> None:
    table = view.table_model
    qtbot.waitUntil(lambda: table.rowCount() == 2, timeout=UI_TIMEOUT_MS)
    headers = [table.headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())]
    assert headers[headers.index("PSNR") : headers.index("MP/s") + 1] == ["PSNR", "SSIM", "MP/s"]
    assert "Tier" in headers

    def cell(version: str, column: str, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> object:
        row = table.row_of(version)
        assert row is not None
        return table.data(table.index(row, headers.index(column)), role)

    fast, old = "restoration_layer1_20260101_000000", "restoration_layer2_20250101_000000"
    assert (cell(fast, "Tier"), cell(fast, "PSNR"), cell(fast, "SSIM"), cell(fast, "MP/s")) == (
        "fast", "26.78 dB", "0.9012", "3.46"
    )  # fmt: skip
    tip = cell(fast, "MP/s", Qt.ItemDataRole.ToolTipRole)
    assert isinstance(tip, str) and "CPUExecutionProvider" in tip and "2 threads" in tip and "Test CPU" in tip
    assert "4.12 MP/s with 2 calls at once, as a batch runs on it" in tip
    assert (cell(old, "Tier"), cell(old, "MP/s")) == ("quality", "")  # a card from before tiers: its layer's tier
    assert not view.table.isColumnHidden(headers.index("MP/s"))
