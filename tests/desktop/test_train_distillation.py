"""Distillation from the Train view against a real backend: the weight field follows the teacher field, takes the
backend's described default and range, and the weight typed reaches the submitted job's spec (the backend
refuses a weight without a teacher, so none is sent then). Fine-tuning from the same view: naming a version to
start from turns the layer and preset off, and the submitted job takes them from that version."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend.registry import ModelRegistry
from backend.storage import LocalStore
from desktop.client import Connection
from desktop.client.embedded import EmbeddedBackend
from desktop.models import ConnectionState
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from desktop.qt.views.models_view import ModelsView
from desktop.qt.views.train_view import TrainView
from omni_core.jobkinds import TRAIN_RESTORATION
from protos.omni.v1 import jobs_pb2

UI_TIMEOUT_MS = 15_000
SHOTS = Path(os.environ.get("OMNI_SHOTS", "/tmp/omni-shots"))
TEACHER = "restoration_layer2_20260101_000000"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBackend]:
    """A backend whose registry holds a restoration version with PyTorch weights, as a teacher must have (the
    submit-time check reads the registry only; the run is cancelled before it would load them)."""
    files = tmp_path_factory.mktemp("teacher")
    (files / "model.pt").write_bytes(b"weights")
    (files / "model.onnx").write_bytes(b"onnx")
    workspace = tmp_path_factory.mktemp("workspace")
    ModelRegistry(LocalStore(workspace)).register(
        "layer_2",
        {"weights": files / "model.pt", "onnx": files / "model.onnx"},
        {"architecture": "restormer", "preset": "tiny"},
        version=TEACHER,
    )
    embedded = EmbeddedBackend.start(workspace=workspace)
    try:
        yield embedded
    finally:
        embedded.stop()


@pytest.fixture
def pairs(tmp_path: Path) -> Path:
    root = tmp_path / "pairs"
    rng = np.random.default_rng(0)
    for side in ("clean", "degraded"):
        (root / side).mkdir(parents=True)
    for index in range(4):
        image = Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8))
        for side in ("clean", "degraded"):
            image.save(root / side / f"p{index}.png")
    return root


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
    qtbot.waitUntil(lambda: session.jobs.snapshot_complete, timeout=UI_TIMEOUT_MS)
    yield main
    main.close()
    session.shutdown(stop_backend=False)


def _train_view_for(qtbot: QtBot, window: MainWindow, pairs: Path) -> TrainView:
    """The Train view, described by the backend, filled for a one-epoch layer-1 run on ``pairs`` on the CPU."""
    view = window.show_view("Train")
    assert isinstance(view, TrainView)
    qtbot.waitUntil(lambda: view.form_model.kind is not TRAIN_RESTORATION, timeout=UI_TIMEOUT_MS)  # described
    form = view.form
    qtbot.keyClicks(form.data, str(pairs))
    form.layer.setCurrentIndex(form.layer.findData(1))
    form.epochs.setValue(1)
    form.device.setCurrentIndex(form.device.findData("cpu"))
    return view


def test_the_distillation_weight_reaches_the_submitted_job(
    qtbot: QtBot, window: MainWindow, backend: EmbeddedBackend, pairs: Path
) -> None:
    view = _train_view_for(qtbot, window, pairs)
    form = view.form
    described = view.form_model.kind["distill_weight"]
    assert (form.distill_weight.value(), form.distill_weight.maximum()) == (described.default, described.maximum)
    assert not form.distill_weight.isEnabled()
    form.patch.setValue(16)
    qtbot.keyClicks(form.teacher, TEACHER)
    assert form.distill_weight.isEnabled()
    form.distill_weight.clear()
    qtbot.keyClicks(form.distill_weight, "0.3")
    assert view.form_model.fields.distill_weight == 0.3
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "train-distillation.png"))

    run = view.panel.run
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(run.job_id), timeout=UI_TIMEOUT_MS)
    assert not view.form_model.errors, view.form_model.errors
    assert run.job_id is not None
    with Connection(backend.target) as connection:
        job = connection.get_job(run.job_id)
        connection.cancel_job(job.id)  # the spec is what this checks; the fake weights would not load
    spec = job.spec.train_restoration
    assert (spec.teacher, spec.distill_weight, spec.layer) == (TEACHER, 0.3, 1)
    assert job.state != jobs_pb2.JOB_STATE_FAILED, job.message


def test_a_run_started_from_a_version_takes_its_network(
    qtbot: QtBot, window: MainWindow, backend: EmbeddedBackend, pairs: Path
) -> None:
    view = _train_view_for(qtbot, window, pairs)  # layer 1, and TEACHER is layer 2: fine-tuning overrides it
    form = view.form
    assert form.layer.isEnabled() and form.preset.isEnabled()
    qtbot.keyClicks(form.start_from, "restoration_layer2_20200101_000000")
    qtbot.keyClick(form.start_from, Qt.Key.Key_Return)  # the backend is asked about it: there is none
    qtbot.waitUntil(lambda: "start_from" in view.form_model.errors, timeout=UI_TIMEOUT_MS)
    assert "no model version" in view.form_model.errors["start_from"]
    form.start_from.clear()
    qtbot.keyClicks(form.start_from, TEACHER)
    assert "start_from" not in view.form_model.errors
    assert not form.layer.isEnabled() and not form.preset.isEnabled()
    qtbot.keyClick(form.start_from, Qt.Key.Key_Return)  # the disabled fields show the start's network
    qtbot.waitUntil(lambda: form.layer.currentData() == 2, timeout=UI_TIMEOUT_MS)
    sent = view.form_model.spec()
    assert (sent.start_from, sent.layer, sent.preset) == (TEACHER, 0, "")

    run = view.panel.run
    shown = run.job_id  # the view may be showing an earlier run of this backend
    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.job_id not in (None, shown), timeout=UI_TIMEOUT_MS)
    assert not view.form_model.errors, view.form_model.errors
    assert run.job_id is not None
    with Connection(backend.target) as connection:
        job = connection.get_job(run.job_id)
        connection.cancel_job(job.id)  # accepted is what this checks; the fake weights would not load
    assert job.spec.train_restoration.start_from == TEACHER
    assert job.state != jobs_pb2.JOB_STATE_FAILED, job.message


def test_fine_tune_in_the_models_view_opens_a_run_from_that_version(qtbot: QtBot, window: MainWindow) -> None:
    models = window.show_view("Models")
    assert isinstance(models, ModelsView)
    models.show_item(TEACHER)
    qtbot.waitUntil(lambda: models.fine_tune_button.isEnabled(), timeout=UI_TIMEOUT_MS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "models-fine-tune.png"))
    qtbot.mouseClick(models.fine_tune_button, Qt.MouseButton.LeftButton)

    train = window.views["Train"]
    assert isinstance(train, TrainView)
    assert window.nav.currentRow() == list(window.views).index("Train") and not train.detection
    assert train.form.start_from.text() == TEACHER and train.form_model.fields.start_from == TEACHER
    assert not train.form.layer.isEnabled() and not train.form.preset.isEnabled()
    window.grab().save(str(SHOTS / "train-fine-tune.png"))
    models.model.select([])
    assert not models.fine_tune_button.isEnabled()  # nothing selected, nothing to start from
