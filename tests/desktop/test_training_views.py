"""Train, Models and Reports views against a real backend: a tiny layer-1 run from the Train view to its
report and registered version; cancel, resume and reconnect; comparing two versions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.client import Connection
from desktop.client.embedded import EmbeddedBackend
from desktop.models import ConnectionState
from desktop.models.models_model import COLUMNS
from desktop.models.training_run import TRAIN_LOSS, TrainingRunModel
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from desktop.qt.views import models_view, reports_view
from desktop.qt.views.models_view import ModelsView
from desktop.qt.views.reports_view import ReportsView
from desktop.qt.views.train_view import TrainView
from omni_core.jobkinds import TRAIN_DETECTION, TRAIN_RESTORATION
from protos.omni.v1 import jobs_pb2, training_pb2

TRAIN_TIMEOUT_MS = 180_000
UI_TIMEOUT_MS = 15_000
PAIRS, SIZE = 8, 64


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny data set written with Pillow: smooth clean images and noisy copies with the same names."""
    root = tmp_path_factory.mktemp("pairs")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    for side in ("clean", "degraded"):
        (root / side).mkdir()
    for index in range(PAIRS):
        phase = rng.uniform(0, 6.28, size=3)
        clean = np.stack([0.5 + 0.4 * np.sin(6 * xx + 4 * yy * (c + 1) + phase[c]) for c in range(3)], axis=-1)
        noisy = np.clip(clean + rng.normal(0, 0.12, clean.shape), 0, 1)
        for side, image in (("clean", clean), ("degraded", noisy)):
            Image.fromarray((image * 255).astype(np.uint8)).save(root / side / f"pair_{index:03d}.png")
    return root


def open_window(qtbot: QtBot, backend: EmbeddedBackend) -> MainWindow:
    session = Session()
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    session.connect_to(backend.target)
    qtbot.waitUntil(lambda: session.connection_model.state is not ConnectionState.CONNECTING, timeout=UI_TIMEOUT_MS)
    assert session.connection_model.connected, session.connection_model.error
    qtbot.waitUntil(lambda: session.jobs.snapshot_complete, timeout=UI_TIMEOUT_MS)
    return window


def close_window(window: MainWindow) -> None:
    window.close()
    window.session.shutdown(stop_backend=False)


@pytest.fixture
def window(qtbot: QtBot, backend: EmbeddedBackend) -> Iterator[MainWindow]:
    main = open_window(qtbot, backend)
    yield main
    close_window(main)


def view_of(window: MainWindow, name: str, kind: type) -> object:
    view = window.show_view(name)
    assert isinstance(view, kind)
    return view


def fill_form(qtbot: QtBot, view: TrainView, data: str, *, epochs: int) -> None:
    """Type and pick as a user would; the form model follows the widgets."""
    form = view.form
    form.data.clear()
    qtbot.keyClicks(form.data, data)
    form.layer.setCurrentIndex(form.layer.findData(1))
    form.preset.setCurrentIndex(form.preset.findData("tiny"))
    form.epochs.setValue(epochs)
    form.batch_size.setValue(4)
    form.patch.setValue(32)
    form.device.setCurrentIndex(form.device.findData("cpu"))
    f = view.form_model.fields
    assert (f.data, f.layer, f.preset, f.epochs, f.batch_size, f.patch, f.device) == (
        data,
        1,
        "tiny",
        epochs,
        4,
        32,
        "cpu",
    )


def start(qtbot: QtBot, view: TrainView) -> str:
    """Press Start; the run panel follows the new job."""
    run = view.panel.run
    before = run.job_id
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.job_id not in (None, before), timeout=UI_TIMEOUT_MS)
    assert run.job_id is not None
    return run.job_id


def points(curve: object) -> int:
    x, _ = curve.getData()  # type: ignore[attr-defined]
    return 0 if x is None else len(x)


def test_both_forms_take_the_connected_backends_description(qtbot: QtBot, window: MainWindow) -> None:
    view = view_of(window, "Train", TrainView)
    assert isinstance(view, TrainView)
    # the backend's answer, read back: equal to this client's table, but not the table itself
    qtbot.waitUntil(lambda: view.detection_model.kind is not TRAIN_DETECTION, timeout=UI_TIMEOUT_MS)
    assert view.form_model.kind is not TRAIN_RESTORATION and view.form_model.kind == TRAIN_RESTORATION
    assert view.detection_model.kind == TRAIN_DETECTION


def test_train_from_the_view_then_read_the_report_and_manage_the_model(
    qtbot: QtBot, window: MainWindow, pairs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train = view_of(window, "Train", TrainView)
    assert isinstance(train, TrainView)
    panel = train.panel

    # a server-side error lands next to its field and the inputs stay
    fill_form(qtbot, train, str(pairs / "missing"), epochs=2)
    jobs_before = len(window.session.jobs)
    qtbot.mouseClick(train.start_button, Qt.MouseButton.LeftButton)
    error = train.form.errors["data"]
    qtbot.waitUntil(error.isVisible, timeout=UI_TIMEOUT_MS)
    assert "is not a folder on the backend" in error.text()
    assert train.form.data.property("invalid") is True
    assert train.form.epochs.value() == 2 and train.form.data.text() == str(pairs / "missing")
    assert len(window.session.jobs) == jobs_before

    train.form.data.clear()
    qtbot.keyClicks(train.form.data, str(pairs))
    assert not error.isVisible()
    job_id = start(qtbot, train)
    assert panel.runs.currentData() == job_id
    run = panel.run
    qtbot.waitUntil(lambda: run.finished, timeout=TRAIN_TIMEOUT_MS)
    assert run.state == jobs_pb2.JOB_STATE_SUCCEEDED, "\n".join(run.log_lines)

    # the live plots hold the run: 2 epochs of train/val loss, PSNR and SSIM, the step losses, the baseline
    qtbot.waitUntil(lambda: points(panel.plots.ssim_curve) == 2, timeout=UI_TIMEOUT_MS)
    plots = panel.plots
    assert points(plots.train_curve) == points(plots.val_curve) == points(plots.psnr_curve) == 2
    assert points(plots.step_curve) >= 2
    assert plots.psnr_baseline.isVisible() and run.baseline is not None
    assert panel.progress_text.text() == "succeeded · 2 epochs"
    assert not panel.cancel_button.isEnabled() and not panel.resume_button.isEnabled()
    # the log pane is appended to in batches: wait for the last lines rather than race them
    qtbot.waitUntil(lambda: "state succeeded" in panel.log.toPlainText(), timeout=UI_TIMEOUT_MS)
    assert "degraded input: PSNR" in panel.log.toPlainText()

    # the report, shown inside the app with its curves as image resources of the document
    qtbot.waitUntil(lambda: "Open the report" in panel.links.text(), timeout=UI_TIMEOUT_MS)
    panel.links.linkActivated.emit("report")
    reports = window.views["Reports"]
    assert isinstance(reports, ReportsView) and window.stack.currentWidget() is reports
    qtbot.waitUntil(lambda: reports.model.selected_id == job_id, timeout=UI_TIMEOUT_MS)
    browser = reports.browser
    qtbot.waitUntil(lambda: len(browser.image_urls) == 3, timeout=UI_TIMEOUT_MS)
    assert all(not browser.image(url).isNull() and browser.image(url).width() > 100 for url in browser.image_urls)
    assert "data:image" not in browser.toHtml()
    assert "Training report: restoration layer 1" in browser.toPlainText()
    summary = reports.model.selected
    assert summary is not None and summary.state == "succeeded"
    version = summary.model_version
    assert version.startswith("restoration_layer1_")

    qtbot.mouseClick(reports.text_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "TRAINING REPORT" in browser.toPlainText(), timeout=UI_TIMEOUT_MS)
    saved = tmp_path / "report.html"
    monkeypatch.setattr(reports_view, "ask_save_path", lambda _parent, _suggested: str(saved))
    qtbot.mouseClick(reports.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(saved.exists, timeout=UI_TIMEOUT_MS)
    assert saved.read_text(encoding="utf-8").count("data:image/png;base64,") == 3  # self-contained

    # the new version is listed (refreshed when the run succeeded); promote it, then deleting it is refused
    models = view_of(window, "Models", ModelsView)
    assert isinstance(models, ModelsView)
    qtbot.waitUntil(lambda: models.model.model(version) is not None, timeout=UI_TIMEOUT_MS)
    models.show_item(version)
    assert models.model.selected == [version]
    assert version in models.card.toPlainText() and '"architecture": "layer1"' in models.card.toPlainText()
    qtbot.waitUntil(models.promote_button.isEnabled, timeout=UI_TIMEOUT_MS)
    qtbot.mouseClick(models.promote_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: models.model.model(version).current, timeout=UI_TIMEOUT_MS)  # type: ignore[union-attr]
    row = models.table_model.row_of(version)
    assert row is not None and models.table_model.rows[row].cells[COLUMNS.index("Current")] == "● current"
    assert models.model.selected == [version] and not models.promote_button.isEnabled()

    asked: list[str] = []

    def confirm(_parent: object, _title: str, text: str) -> bool:
        asked.append(text)
        return True

    monkeypatch.setattr(models_view, "confirm", confirm)
    qtbot.mouseClick(models.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(models.error.isVisible, timeout=UI_TIMEOUT_MS)
    assert asked and version in asked[0]
    assert models.error.text() == (
        f"Could not delete {version}: {version} is the current model of layer_1; promote another version first"
    )
    assert models.model.model(version) is not None


@pytest.fixture
def two_versions(backend: EmbeddedBackend, pairs: Path) -> tuple[str, str]:
    """The two newest layer-1 versions, training (through the client, one epoch) until there are two."""
    spec = training_pb2.TrainRestorationSpec(
        data=str(pairs), layer=1, epochs=1, batch_size=4, patch=32, device="cpu", preset="tiny"
    )
    with Connection(backend.target) as connection:
        while len(versions := connection.list_models(layer="layer_1")) < 2:
            job = connection.submit(jobs_pb2.JobSpec(train_restoration=spec))
            for _ in connection.follow_job(job.id):
                pass
            assert connection.get_job(job.id).state == jobs_pb2.JOB_STATE_SUCCEEDED
        return versions[1].version, versions[0].version


def wait_for(qtbot: QtBot, condition: Callable[[], object], timeout: int = UI_TIMEOUT_MS) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=timeout)


def contiguous_epochs(run: TrainingRunModel) -> bool:
    epochs, _ = run.epoch_series(TRAIN_LOSS)
    return epochs == [float(epoch) for epoch in range(1, len(epochs) + 1)]


def test_cancel_resume_and_a_second_window_replaying_the_running_job(
    qtbot: QtBot, window: MainWindow, backend: EmbeddedBackend, pairs: Path
) -> None:
    train = view_of(window, "Train", TrainView)
    assert isinstance(train, TrainView)
    panel = train.panel
    fill_form(qtbot, train, str(pairs), epochs=5000)  # runs until cancelled
    first = start(qtbot, train)
    run = panel.run
    wait_for(qtbot, lambda: run.epochs_done >= 1 and panel.cancel_button.isEnabled(), TRAIN_TIMEOUT_MS)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: run.state == jobs_pb2.JOB_STATE_CANCELLED, TRAIN_TIMEOUT_MS)
    cancelled_at = run.epochs_done
    wait_for(qtbot, panel.resume_button.isEnabled)

    # resume: a new job continues from the checkpoint and the view follows it as the same run
    qtbot.mouseClick(panel.resume_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: run.job_id not in (None, first))
    second = run.job_id
    assert panel.runs.currentData() == second and "(resumed)" in panel.runs.currentText()
    wait_for(qtbot, lambda: run.epochs_done > cancelled_at + 1, TRAIN_TIMEOUT_MS)
    assert run.state == jobs_pb2.JOB_STATE_RUNNING
    assert contiguous_epochs(run)  # the inherited epochs, re-emitted by the new job, are not drawn twice
    step_x, _ = run.step_losses()
    assert step_x == sorted(set(step_x)) and step_x[0] == 1.0  # the first job's steps come first
    log = panel.log.toPlainText()
    assert f"── {first} ──" in log and f"── {second} ──" in log and f"resumed from job {first}" in log

    # another window connecting to the same backend follows the running job with its whole history
    other = open_window(qtbot, backend)
    try:
        again = view_of(other, "Train", TrainView)
        assert isinstance(again, TrainView)
        wait_for(qtbot, lambda: again.panel.run.job_id == second and again.panel.run.epochs_done > cancelled_at + 1)
        assert contiguous_epochs(again.panel.run) and again.panel.run.state == jobs_pb2.JOB_STATE_RUNNING
        assert again.panel.run.step_losses()[0][0] == 1.0
        again.panel.plots.redraw()  # what the coalescing timer does within 100 ms
        assert points(again.panel.plots.psnr_curve) >= cancelled_at + 1
    finally:
        close_window(other)

    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: run.state == jobs_pb2.JOB_STATE_CANCELLED, TRAIN_TIMEOUT_MS)
    assert panel.progress_text.text().startswith("cancelled · ")


def test_compare_two_versions(qtbot: QtBot, window: MainWindow, two_versions: tuple[str, str]) -> None:
    older, newer = two_versions
    models = view_of(window, "Models", ModelsView)
    assert isinstance(models, ModelsView)
    wait_for(qtbot, lambda: models.model.model(older) and models.model.model(newer))
    models.model.select([newer, older])
    assert models.compare_button.isEnabled() and not models.promote_button.isEnabled()
    qtbot.mouseClick(models.compare_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, lambda: models.tabs.currentIndex() == models_view.COMPARE_TAB)
    rows = {row.key: row for row in models.compare_model.rows}
    assert {"metric:psnr", "metric:ssim", "metric:val_loss", "card:parameters", "card:fingerprint"} <= set(rows)
    psnr = rows["metric:psnr"]
    assert psnr.cells[3].endswith(" dB") and psnr.tone(3) in ("good", "bad", "")
    header = [models.compare_model.headerData(column, Qt.Orientation.Horizontal) for column in range(4)]
    assert header[1:3] == [f"A: {older}", f"B: {newer}"]  # the newer one is B, whatever the selection order
    assert models.compare_placeholder.isHidden()
