"""The desktop against a backend across a veth with TLS: when the wire is cut its status bar says it is
reconnecting, and when the wire is back it is connected again without the user doing anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.client import BackendTarget
from desktop.models import ConnectionState
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from tests.helpers import ServeProcess
from tests.network.test_link_faults import NOTICED_WITHIN_S, TOKEN, link, remote  # noqa: F401 - fixtures
from tests.veth import VethLink, network_available

pytestmark = [
    pytest.mark.skipif(not network_available(), reason="needs root and iproute2 for a network namespace"),
    pytest.mark.slow,
]


def test_status_bar_says_reconnecting_then_recovers(
    qtbot: QtBot,
    remote: ServeProcess,  # noqa: F811
    link: VethLink,  # noqa: F811
    tmp_path: Path,
) -> None:
    session = Session(tmp_path / "unused-workspace")
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    model = session.connection_model
    session.connect_to(BackendTarget(remote.address, token=TOKEN, tls_ca=remote.tls_ca))
    qtbot.waitUntil(lambda: model.connected, timeout=20_000)
    qtbot.waitUntil(lambda: session.jobs.snapshot_complete, timeout=20_000)
    status = window.statusBar()
    try:
        link.cut()
        qtbot.waitUntil(lambda: "reconnecting" in model.status_text(), timeout=int((NOTICED_WITHIN_S + 5) * 1000))
        assert model.state is ConnectionState.ERROR and "reconnecting" in status.currentMessage() + _labels(window)
        link.mend()
        qtbot.waitUntil(lambda: model.connected, timeout=30_000)
        assert model.status_text().startswith(f"Connected to {remote.address}")
    finally:
        window.close()
        session.shutdown(stop_backend=False)


def _labels(window: MainWindow) -> str:
    """The text of the status bar's permanent widgets (where the connection line is shown)."""
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in window.statusBar().findChildren(QLabel))
