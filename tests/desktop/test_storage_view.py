"""The Storage view against a real backend (``omni serve`` child) and a real S3 server (SeaweedFS), driven
through its widgets: a field error from the server, Save + Test connection, a wrong secret in words, a
push followed to its end, removing the remote, and the Push button of the Models and Datasets rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from desktop.client.embedded import EmbeddedBackend
from desktop.models import ConnectionState
from desktop.models.datasets_model import LOCATION_COLUMN
from desktop.models.locations import SyncTarget, sync_spec
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from desktop.qt.views import storage_view
from desktop.qt.views.datasets import DatasetsView
from desktop.qt.views.storage_view import StorageView
from desktop.qt.widgets.sync_action import SyncAction
from protos.omni.v1 import jobs_pb2, storage_pb2
from tests.s3_servers import SeaweedS3

UI_TIMEOUT_MS = 15_000
CHECK_TIMEOUT_MS = 90_000
STEPS = ["reach", "credentials", "buckets", "write", "read", "delete"]


@pytest.fixture
def window(qtbot: QtBot, backend: EmbeddedBackend) -> Iterator[MainWindow]:
    session = Session()
    main = MainWindow(session)
    qtbot.addWidget(main)
    main.show()
    session.connect_to(backend.target)
    model = session.connection_model
    qtbot.waitUntil(lambda: model.state is not ConnectionState.CONNECTING, timeout=UI_TIMEOUT_MS)
    assert model.connected, model.error
    qtbot.waitUntil(lambda: session.jobs.snapshot_complete, timeout=UI_TIMEOUT_MS)
    yield main
    main.close()
    session.shutdown(stop_backend=False)


def storage(qtbot: QtBot, window: MainWindow) -> StorageView:
    view = window.show_view("Storage")
    assert isinstance(view, StorageView)
    qtbot.waitUntil(lambda: view.model.loaded, timeout=UI_TIMEOUT_MS)
    return view


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)  # textEdited, as a user's typing


def fill(qtbot: QtBot, view: StorageView, values: dict[str, str]) -> None:
    for name, value in values.items():
        type_into(qtbot, view.form.lines[name], value)
        view.model.set(name, value)  # clear() above is not an edit: make the model match what is shown


def save(qtbot: QtBot, view: StorageView) -> None:
    qtbot.mouseClick(view.form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.form.save_button.isEnabled(), timeout=UI_TIMEOUT_MS)


def seaweed_fields(seaweed: SeaweedS3, prefix: str, secret: str | None = None) -> dict[str, str]:
    return {
        "url": "s3://",
        "endpoint": seaweed.url,
        "bucket_prefix": f"{prefix}-",
        "access_key_id": seaweed.admin.access_key,
        "secret_access_key": seaweed.admin.secret_key if secret is None else secret,
    }


def test_a_bad_url_is_shown_next_to_the_url_field(qtbot: QtBot, window: MainWindow) -> None:
    view = storage(qtbot, window)
    fill(qtbot, view, {"url": "http://bucket/prefix", "access_key_id": "AKIAEXAMPLE", "secret_access_key": "s3cr3t"})
    save(qtbot, view)
    qtbot.waitUntil(lambda: "url" in view.model.errors, timeout=UI_TIMEOUT_MS)
    error = view.form.errors["url"]
    assert "is not an s3:// URL" in error.text() and view.form.form.isRowVisible(error)
    assert view.form.lines["url"].property("invalid") is True
    assert not view.form.general_error.isVisible()
    secret = view.form.lines["secret_access_key"]
    assert secret.echoMode() == QLineEdit.EchoMode.Password
    assert secret.text() == "" and view.model.fields.secret_access_key == ""  # sent once, then forgotten
    assert "type it again" in secret.placeholderText()
    type_into(qtbot, view.form.lines["url"], "s3://")
    assert not view.form.form.isRowVisible(error)  # editing the field clears its error


def test_save_and_test_connection_pass_every_step(
    qtbot: QtBot, window: MainWindow, seaweed: SeaweedS3, unique_bucket_prefix: str
) -> None:
    view = storage(qtbot, window)
    fill(qtbot, view, seaweed_fields(seaweed, unique_bucket_prefix))
    save(qtbot, view)
    qtbot.waitUntil(lambda: view.model.remote.configured and not view.model.dirty, timeout=UI_TIMEOUT_MS)
    assert view.model.errors == {} and view.model.general_error == ""
    assert view.form.lines["secret_access_key"].text() == "" and view.form.lines["access_key_id"].text() == ""
    summary = {
        view.remote_panel.summary_form.itemAt(row, view.remote_panel.summary_form.ItemRole.LabelRole)
        .widget()
        .text(): view.remote_panel.summary_form.itemAt(row, view.remote_panel.summary_form.ItemRole.FieldRole)
        .widget()
        .text()
        for row in range(view.remote_panel.summary_form.rowCount())
    }
    assert summary["Endpoint"] == seaweed.url
    assert f"s3://{unique_bucket_prefix}-models/" in summary["Locations"]
    assert summary["Keys"].endswith(f"access key …{seaweed.admin.access_key[-4:]}")
    assert seaweed.admin.secret_key not in str(summary)

    view.remote_panel.create_buckets.setChecked(True)
    qtbot.mouseClick(view.remote_panel.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.check.result is not None or bool(view.check.error), timeout=CHECK_TIMEOUT_MS)
    assert view.check.error == ""
    rows = view.remote_panel.steps_model.rows
    assert [row.cells[0] for row in rows] == STEPS
    assert all(row.cells[1] == "ok" and row.cells[2].endswith(" ms") for row in rows), [r.cells for r in rows]
    result = view.remote_panel.result.text()
    assert result.startswith("All 6 steps passed · round trip ") and result.endswith(" ms."), result
    assert view.sync.push_button.isEnabled() and view.sync.status_button.isEnabled()


def test_a_wrong_secret_says_what_to_do(
    qtbot: QtBot, window: MainWindow, seaweed: SeaweedS3, unique_bucket_prefix: str
) -> None:
    view = storage(qtbot, window)
    fill(qtbot, view, seaweed_fields(seaweed, unique_bucket_prefix, secret="0" * 40))
    save(qtbot, view)
    qtbot.waitUntil(lambda: not view.model.dirty, timeout=UI_TIMEOUT_MS)
    qtbot.mouseClick(view.remote_panel.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.check.result is not None, timeout=CHECK_TIMEOUT_MS)
    assert view.remote_panel.result.text() == (
        "Failed at credentials: The secret key does not match the access key. Check the secret."
    )
    failed = view.remote_panel.steps_model.rows[-1]
    assert failed.cells[:2] == ("credentials", "failed") and "Check the secret." in failed.cells[3]


def test_status_push_and_remove(
    qtbot: QtBot, window: MainWindow, seaweed: SeaweedS3, unique_bucket_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = storage(qtbot, window)
    fill(qtbot, view, seaweed_fields(seaweed, unique_bucket_prefix))
    save(qtbot, view)
    qtbot.waitUntil(lambda: view.model.remote.configured and not view.model.dirty, timeout=UI_TIMEOUT_MS)
    view.remote_panel.create_buckets.setChecked(True)
    qtbot.mouseClick(view.remote_panel.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.check.ok is True, timeout=CHECK_TIMEOUT_MS)
    connection = window.session.connection
    assert connection is not None
    name = f"{unique_bucket_prefix}-parts"
    connection.create_dataset(name)

    sync = view.sync
    qtbot.mouseClick(sync.status_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sync.model.status is not None or bool(sync.model.error), timeout=CHECK_TIMEOUT_MS)
    keys = [row.cells[1] for row in sync.table_model.rows if row.cells[0] == "local only"]
    assert f"training-data/datasets/{name}.json" in keys, sync.model.error

    qtbot.mouseClick(sync.push_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sync.model.run.job is not None and not sync.model.run.running, timeout=CHECK_TIMEOUT_MS)
    assert sync.job_text.text().startswith("Push: succeeded · moved "), sync.job_text.text()
    qtbot.waitUntil(lambda: sync.model.status is not None and not sync.model.status_loading, timeout=CHECK_TIMEOUT_MS)
    assert sync.model.status.local_only == 0 and sync.model.status.same >= 1  # type: ignore[union-attr]

    monkeypatch.setattr(storage_view, "confirm", lambda *_args: True)
    qtbot.mouseClick(view.form.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.model.remote.configured, timeout=UI_TIMEOUT_MS)
    assert not sync.push_button.isEnabled() and not view.remote_panel.test_button.isEnabled()
    assert view.form.lines["url"].text() == "s3://"


def test_the_row_action_pushes_one_dataset(
    qtbot: QtBot, window: MainWindow, seaweed: SeaweedS3, unique_bucket_prefix: str
) -> None:
    """The Push/Pull button of the Models and Datasets views, on its own: one dataset, followed to its end."""
    connection = window.session.connection
    assert connection is not None
    fields = seaweed_fields(seaweed, unique_bucket_prefix)
    connection.set_remote(storage_pb2.SetRemoteRequest(**fields))  # type: ignore[arg-type]
    assert connection.check_remote(create_buckets=True).ok
    name = f"{unique_bucket_prefix}-row"
    connection.create_dataset(name)
    finished: list[bool] = []
    action = SyncAction(window.session, finished=lambda: finished.append(True))
    qtbot.addWidget(action)
    action.show()

    action.set_target(SyncTarget("dataset", name, storage_pb2.LOCATION_LOCAL))
    assert action.button.text() == "Push" and action.button.isVisible()
    qtbot.mouseClick(action.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(finished), timeout=CHECK_TIMEOUT_MS)
    assert action.label.text().startswith(f"Pushing {name}: succeeded · moved "), action.label.text()
    job = action.follow.job
    assert job is not None and list(job.spec.sync_push.selection.datasets) == [name]
    status = connection.sync_status(storage_pb2.SyncSelection(datasets=[name]))
    assert status.local_only == 0 and status.same >= 1

    action.set_target(None)
    assert not action.button.isVisible()


def test_datasets_view_shows_locations_and_pulls_a_remote_only_dataset(
    qtbot: QtBot, window: MainWindow, seaweed: SeaweedS3, unique_bucket_prefix: str
) -> None:
    connection = window.session.connection
    assert connection is not None
    fields = seaweed_fields(seaweed, unique_bucket_prefix)
    connection.set_remote(storage_pb2.SetRemoteRequest(**fields))  # type: ignore[arg-type]
    assert connection.check_remote(create_buckets=True).ok
    name = f"{unique_bucket_prefix}-away"
    connection.create_dataset(name, ["dent", "rust"])
    push = connection.submit(sync_spec("push", datasets=[name]))
    for _event in connection.follow_job(push.id):
        pass
    assert connection.get_job(push.id).state == jobs_pb2.JOB_STATE_SUCCEEDED
    connection.delete_dataset(name)  # now only the remote has it

    view = window.show_view("Datasets")
    assert isinstance(view, DatasetsView)
    window.session.remote_changed.emit()  # as the Storage view does after a save
    view.refresher.refresh()

    def location() -> str:
        row = view.table_model.row_of(name)
        return view.table_model.rows[row].cells[LOCATION_COLUMN] if row is not None else ""

    qtbot.waitUntil(lambda: location() == "remote", timeout=CHECK_TIMEOUT_MS)
    assert not view.table.isColumnHidden(LOCATION_COLUMN)
    view.model.select(name)
    assert view.sync_action.button.isVisible() and view.sync_action.button.text() == "Pull"
    assert not view.open_button.isEnabled() and not view.delete_button.isEnabled()  # pull it first
    qtbot.mouseClick(view.sync_action.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: location() == "both", timeout=CHECK_TIMEOUT_MS)
    assert [c.name for c in connection.get_dataset(name).classes] == ["dent", "rust"]
    qtbot.waitUntil(lambda: view.open_button.isEnabled(), timeout=UI_TIMEOUT_MS)
    assert not view.sync_action.button.isVisible()  # on both sides: nothing to push or pull
