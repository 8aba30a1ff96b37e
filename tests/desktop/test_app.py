"""The app against a real backend (``omni serve`` child process on loopback), driven through its widgets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.client.embedded import EmbeddedBackend
from desktop.models import ConnectionState
from desktop.models.job_text import COLUMNS
from desktop.qt.dialogs.synth_dialog import SynthDialog
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from desktop.qt.views.connect_view import ConnectView
from desktop.qt.views.jobs_view import JobsView
from protos.omni.v1 import jobs_pb2
from tests.clean_folder import READABLE, make_clean_folder

JOB_TIMEOUT_MS = 60_000
UI_TIMEOUT_MS = 15_000


@pytest.fixture
def window(qtbot: QtBot, backend: EmbeddedBackend) -> Iterator[MainWindow]:
    session = Session()
    main = MainWindow(session)
    qtbot.addWidget(main)
    main.show()
    session.connect_to(backend.target)
    model = session.connection_model
    qtbot.waitUntil(lambda: model.state is not ConnectionState.CONNECTING, timeout=UI_TIMEOUT_MS)
    log = backend.log_path.read_text(errors="replace")[-2000:]
    assert model.connected, f"{model.error}; backend log: {log}"
    qtbot.waitUntil(lambda: session.jobs.snapshot_complete, timeout=UI_TIMEOUT_MS)
    yield main
    main.close()
    session.shutdown(stop_backend=False)


def jobs_view(window: MainWindow) -> JobsView:
    view = window.show_view("Jobs")
    assert isinstance(view, JobsView)
    return view


def open_dialog(qtbot: QtBot, window: MainWindow) -> SynthDialog:
    view = jobs_view(window)
    qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)
    dialog = view._dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.model.described, timeout=UI_TIMEOUT_MS)
    return dialog


def fill_restoration(qtbot: QtBot, dialog: SynthDialog, out: Path, count: int, size: int = 64) -> None:
    """Type into the widgets as a user would; the form model follows."""
    fields = dialog.fields["restoration"]
    fields.count.setValue(count)
    fields.size.setValue(size)
    fields.out.clear()
    qtbot.keyClicks(fields.out, str(out))
    assert dialog.model.restoration.out == str(out)
    assert (dialog.model.restoration.count, dialog.model.restoration.size) == (count, size)


def submit(qtbot: QtBot, window: MainWindow, dialog: SynthDialog) -> jobs_pb2.Job:
    jobs = window.session.jobs
    before = {job.id for job in jobs.jobs()}
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: jobs.selected_id is not None and jobs.selected_id not in before, timeout=UI_TIMEOUT_MS)
    job = jobs.selected
    assert job is not None
    return job


def cell(view: JobsView, job_id: str, column: str) -> str:
    row = view.jobs.row_of(job_id)
    assert row is not None
    return str(view.table_model.index(row, COLUMNS.index(column)).data())


def test_connects_and_shows_system_info(qtbot: QtBot, window: MainWindow, backend: EmbeddedBackend) -> None:
    view = window.show_view("Connect")
    assert isinstance(view, ConnectView)
    assert view.address.text() == backend.target.address
    assert view.info_values["Version"].text().startswith("omni-studio ")
    assert view.info_values["Workspace"].text()
    assert view.info_values["Security"].text() == "token 'server-token' (admin), no TLS"
    status = window.connection_label.text()
    assert backend.target.address in status and "token, no TLS" in status
    names = [window.nav.item(row).text() for row in range(window.nav.count())]
    assert names == ["Connect", "Jobs", "Annotate", "Datasets", "Train", "Models", "Batch", "Reports", "Storage"]


def test_restoration_job_runs_to_success_with_its_event_log(qtbot: QtBot, window: MainWindow, out_dir: Path) -> None:
    dialog = open_dialog(qtbot, window)
    preview = dialog.previews["restoration"]
    qtbot.waitUntil(lambda: all(image.has_image for image in preview.images), timeout=UI_TIMEOUT_MS)
    fill_restoration(qtbot, dialog, out_dir, count=4)
    job = submit(qtbot, window, dialog)
    assert not dialog.isVisible()

    view = jobs_view(window)
    qtbot.waitUntil(lambda: cell(view, job.id, "State") == "succeeded", timeout=JOB_TIMEOUT_MS)
    qtbot.waitUntil(lambda: cell(view, job.id, "Progress").startswith("100%"), timeout=UI_TIMEOUT_MS)
    assert len(list(out_dir.glob("**/*.png"))) >= 8

    # selected on submit: the detail shows its whole event log, streamed by follow_job
    log = view.detail.log
    qtbot.waitUntil(lambda: "state succeeded" in log.toPlainText(), timeout=UI_TIMEOUT_MS)
    text = log.toPlainText()
    assert "state queued" in text and "state running" in text
    seqs = [int(line.split()[0]) for line in text.splitlines()]
    assert seqs == sorted(set(seqs))  # no event twice
    assert view.detail.fields["Outputs"].text().count(str(out_dir)) == 1
    assert not view.cancel_button.isEnabled()

    # selecting another job and back replays nothing twice
    window.session.jobs.select(None)
    window.session.jobs.select(job.id)
    qtbot.waitUntil(lambda: "state succeeded" in log.toPlainText(), timeout=UI_TIMEOUT_MS)
    assert log.toPlainText() == text


def test_cancelling_a_large_job(qtbot: QtBot, window: MainWindow, out_dir: Path) -> None:
    dialog = open_dialog(qtbot, window)
    fill_restoration(qtbot, dialog, out_dir, count=100_000)
    job = submit(qtbot, window, dialog)
    view = jobs_view(window)
    jobs = window.session.jobs
    qtbot.waitUntil(lambda: jobs.job(job.id).state == jobs_pb2.JOB_STATE_RUNNING, timeout=JOB_TIMEOUT_MS)  # type: ignore[union-attr]
    qtbot.waitUntil(view.cancel_button.isEnabled, timeout=UI_TIMEOUT_MS)
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(view, job.id, "State") == "cancelled", timeout=JOB_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "state cancelled" in view.detail.log.toPlainText(), timeout=UI_TIMEOUT_MS)
    assert not view.cancel_button.isEnabled()
    qtbot.waitUntil(view.resume_button.isEnabled, timeout=UI_TIMEOUT_MS)  # a synthetic job can continue


def test_server_validation_error_is_shown_next_to_its_field(qtbot: QtBot, window: MainWindow, out_dir: Path) -> None:
    out_dir.mkdir()
    (out_dir / "precious.txt").write_text("keep me")
    dialog = open_dialog(qtbot, window)
    fill_restoration(qtbot, dialog, out_dir, count=3)
    jobs_before = len(window.session.jobs)
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    error = dialog.fields["restoration"].errors["out"]
    qtbot.waitUntil(error.isVisible, timeout=UI_TIMEOUT_MS)
    assert "already holds" in error.text()
    assert dialog.fields["restoration"].out.property("invalid") is True
    assert dialog.isVisible() and dialog.submit_button.isEnabled()
    assert dialog.fields["restoration"].out.text() == str(out_dir)  # the inputs stay
    assert dialog.fields["restoration"].count.value() == 3
    assert len(window.session.jobs) == jobs_before
    assert (out_dir / "precious.txt").read_text() == "keep me"

    # typing in the field clears its error; a client-side check needs no round trip
    qtbot.keyClicks(dialog.fields["restoration"].out, "-new")
    assert not error.isVisible()
    dialog.tabs.setCurrentIndex(1)
    dialog.fields["detection"].classes.clear()
    qtbot.keyClicks(dialog.fields["detection"].classes, "dent, bad name")
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert "whitespace" in dialog.fields["detection"].errors["classes"].text()


def test_embedded_backend_starts_in_the_background_and_stops_on_exit(qtbot: QtBot, tmp_path: Path) -> None:
    session = Session(workspace=tmp_path / "workspace")
    main = MainWindow(session)
    qtbot.addWidget(main)
    session.start_embedded()
    assert session.connection_model.state is ConnectionState.CONNECTING  # returned at once
    assert main.connection_label.text() == "Starting backend…"
    qtbot.waitUntil(lambda: session.connection_model.connected, timeout=UI_TIMEOUT_MS)
    backend = session.backend
    assert backend is not None and backend.owned and backend.process is not None
    assert session.connection_model.system is not None
    assert session.connection_model.system.workspace.startswith(str(tmp_path / "workspace"))
    main.close()
    session.shutdown()
    assert backend.process.poll() is not None


def test_connection_error_is_shown(qtbot: QtBot) -> None:
    session = Session(connect_timeout_s=1.0)
    main = MainWindow(session)
    qtbot.addWidget(main)
    main.show()
    view = main.show_view("Connect")
    assert isinstance(view, ConnectView)
    view.address.setText("127.0.0.1:1")  # nothing listens there
    qtbot.mouseClick(view.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: session.connection_model.state is ConnectionState.ERROR, timeout=UI_TIMEOUT_MS)
    assert view.error.isVisible() and "127.0.0.1:1" in view.error.text()
    assert view.status.text() == "Connection failed"
    assert "127.0.0.1:1" in main.connection_label.text()
    main.close()
    session.shutdown()


def test_run_app_opens_the_window_and_stops_its_backend(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer

    from desktop.qt.app import run_app

    seen: dict[str, object] = {}

    def close_when_connected() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if windows and windows[0].session.connection_model.connected:
            seen["backend"] = windows[0].session.backend
            seen["size"] = (windows[0].width(), windows[0].height())
            windows[0].close()
        else:
            QTimer.singleShot(50, close_when_connected)

    QTimer.singleShot(50, close_when_connected)
    code = run_app(backend=None, token=None, tls=False, tls_ca=None, workspace=tmp_path / "workspace")
    assert code == 0
    backend = seen["backend"]
    assert isinstance(backend, EmbeddedBackend) and backend.process is not None
    assert backend.process.poll() is not None  # stopped on exit
    assert seen["size"] == (1280, 800)


def test_pairs_from_a_folder_of_my_images(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    """The dialog makes pairs from the user's own images: typed in, submitted, written."""
    source, out = make_clean_folder(tmp_path / "mine"), tmp_path / "pairs"
    dialog = open_dialog(qtbot, window)
    fields = dialog.fields["restoration"]
    assert not fields.domain.isEnabled() and fields.size.isEnabled()
    qtbot.keyClicks(fields.source, str(source))
    assert fields.domain.isEnabled() and not fields.size.isEnabled()  # the preset replaces size and choices
    fields.count.setValue(0)
    assert fields.count.text() == "every image"
    fields.domain.setCurrentText("document")
    fields.crop.setValue(40)
    fields.out.clear()
    qtbot.keyClicks(fields.out, str(out))
    job = submit(qtbot, window, dialog)
    view = jobs_view(window)
    qtbot.waitUntil(lambda: cell(view, job.id, "State") == "succeeded", timeout=JOB_TIMEOUT_MS)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["domain"] == "document" and manifest["params"]["crop"] == 40
    assert len(list((out / "degraded").glob("*.png"))) == len(READABLE)
