"""The Batch form's Precision choice against a real backend: the described choices, the chosen export reaching a
local run (its summary and the run panel say which ran and why) and a run streamed in this process (the ready
message says it), and a variant the version lacks refused beside the field; choices and default are the
described ones.

The version is a tiny layer-1 network exported to ONNX with an INT8 variant whose card says it was kept and
measured faster, so ``auto`` on this CPU would take INT8: a run asked for FP32 shows the choice travelled."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.client.connection import TERMINAL_STATES
from desktop.client.embedded import EmbeddedBackend
from desktop.models import ConnectionState
from desktop.models.batch_form_model import BatchFormModel
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from desktop.qt.views.batch_form import BatchForm
from desktop.qt.views.batch_view import BatchView
from omni_core.jobkinds import RESTORE_BATCH, JobKind, ParamSpec
from protos.omni.v1 import jobs_pb2

RUN_TIMEOUT_MS = 90_000
UI_TIMEOUT_MS = 15_000
SHOTS = Path(os.environ.get("OMNI_SHOTS", "/tmp/omni-shots"))
VERSION = "restoration_layer1_20260101_000000"


def photo(seed: int, size: int = 48) -> np.ndarray:
    """A smooth photo-like image, float32 HxWx3 in [0, 1]."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    phase = rng.uniform(0, 6.28, size=3)
    return np.stack([0.5 + 0.4 * np.sin(6 * xx + 4 * yy * (c + 1) + phase[c]) for c in range(3)], axis=-1).astype(
        np.float32
    )


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBackend]:
    """A backend whose workspace holds one version with an fp32 export and a kept, faster INT8 variant."""
    import torch

    from backend.registry import ModelRegistry
    from backend.restoration.archs import build_network, preset_for
    from backend.restoration.export import export_onnx
    from backend.restoration.quantize import quantize_int8
    from backend.storage import LocalStore

    files = tmp_path_factory.mktemp("model")
    torch.manual_seed(0)
    network = build_network(preset_for(1, "tiny")).eval()
    fp32 = files / "model.onnx"
    export_onnx(network, fp32, check_sizes=((32, 32),))
    crops = [photo(seed, 32).transpose(2, 0, 1)[None] for seed in range(4)]
    int8 = quantize_int8(fp32, files / "model_int8.onnx", crops)
    workspace = tmp_path_factory.mktemp("workspace")
    card = {"architecture": "layer1", "precisions": {"int8": {"kept": True, "speedup": 2.0, "psnr_delta": -0.02}}}
    ModelRegistry(LocalStore(workspace)).register("layer_1", {"onnx": fp32, "onnx_int8": int8}, card, version=VERSION)
    embedded = EmbeddedBackend.start(workspace=workspace)
    try:
        yield embedded
    finally:
        embedded.stop()


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


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    source = tmp_path / "photos"
    source.mkdir()
    for seed in range(2):
        Image.fromarray((photo(seed) * 255).astype(np.uint8)).save(source / f"p{seed}.png")
    return source


def batch_view(qtbot: QtBot, window: MainWindow, source: Path, out: Path) -> BatchView:
    """The Batch view with the backend's description, the version chosen and the folders filled in."""
    view = window.show_view("Batch")
    assert isinstance(view, BatchView)
    qtbot.waitUntil(lambda: view.form_model.kind is not RESTORE_BATCH, timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: view.form.choose_model(VERSION), timeout=UI_TIMEOUT_MS)
    view.form.input.edit.setText(str(source))
    view.form.out.edit.setText(str(out))
    return view


def choose_precision(view: BatchView, precision: str) -> None:
    box = view.form.precision
    box.setCurrentIndex(box.findData(precision))
    assert view.form_model.fields.precision == precision


def run_to_the_end(qtbot: QtBot, view: BatchView) -> None:
    qtbot.mouseClick(view.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(view.run.job_id), timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: view.run.state in TERMINAL_STATES, timeout=RUN_TIMEOUT_MS)
    assert view.run.state == jobs_pb2.JOB_STATE_SUCCEEDED, view.run.message
    qtbot.waitUntil(view.controls.start_button.isEnabled, timeout=UI_TIMEOUT_MS)


def test_the_chosen_precision_reaches_a_local_run(
    qtbot: QtBot, window: MainWindow, folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "int8"
    view = batch_view(qtbot, window, folder, out)
    box = view.form.precision
    assert [box.itemData(i) for i in range(box.count())] == list(RESTORE_BATCH["precision"].choices)
    assert box.currentData() == RESTORE_BATCH["precision"].default == "auto"  # the described default
    assert box.isEnabled() and "int8" in box.toolTip()
    choose_precision(view, "int8")
    assert view.form_model.job_spec().restore_batch.precision == "int8"
    run_to_the_end(qtbot, view)

    summary = json.loads((out / "restore-summary.json").read_text(encoding="utf-8"))
    assert (summary["mode"], summary["precision"], summary["precision_reason"]) == ("local", "int8", "asked for")
    assert view.run.precision_text() == "int8 (asked for)"
    assert view.controls.precision.text() == "Precision: int8 (asked for)"
    assert view.controls.precision.isVisibleTo(view)

    auto = tmp_path / "auto"  # auto on this CPU: the kept INT8, measured faster, and the panel says why
    view.form.out.edit.setText(str(auto))
    choose_precision(view, "auto")
    run_to_the_end(qtbot, view)
    summary = json.loads((auto / "restore-summary.json").read_text(encoding="utf-8"))
    assert summary["precision"] == "int8" and summary["precision_reason"].startswith("auto: int8 kept")
    assert view.controls.precision.text() == f"Precision: int8 ({summary['precision_reason']})"
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "batch-precision-local.png"))


def test_the_chosen_precision_reaches_a_streamed_runs_ready_message(
    qtbot: QtBot, window: MainWindow, folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "streamed"
    view = batch_view(qtbot, window, folder, out)
    view.form.stream.setChecked(True)
    choose_precision(view, "fp32")  # not what auto would take here (int8)
    assert view.form_model.remote_request().options.precision == "fp32"
    seen: list[tuple[bool, str]] = []  # (running, the precision shown) at each change of the run
    view.run.changed.connect(lambda: seen.append((view.run.active, view.run.precision_text())))
    run_to_the_end(qtbot, view)
    assert view.run.streamed
    assert (True, "fp32 (asked for)") in seen  # shown from the ready message, while the images were streaming

    summary = json.loads((out / "restore-summary.json").read_text(encoding="utf-8"))
    assert (summary["mode"], summary["precision"], summary["precision_reason"]) == ("remote", "fp32", "asked for")
    assert view.run.precision_text() == "fp32 (asked for)"  # what the ready message said
    assert view.controls.precision.text() == "Precision: fp32 (asked for)"
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "batch-precision-streamed.png"))


def test_a_variant_the_version_lacks_is_refused_beside_the_field(
    qtbot: QtBot, window: MainWindow, folder: Path, tmp_path: Path
) -> None:
    view = batch_view(qtbot, window, folder, tmp_path / "fp16")
    choose_precision(view, "fp16")  # the version has fp32 and int8 only
    qtbot.mouseClick(view.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "precision" in view.form_model.errors, timeout=UI_TIMEOUT_MS)
    assert "no fp16 variant" in view.form_model.errors["precision"] and not view.run.job_id
    assert view.form.error_labels["precision"].isVisibleTo(view)


def described(precision: ParamSpec | None) -> JobKind:
    """``restore_batch`` as a backend describes it with another ``precision`` parameter, or without one (older)."""
    params = tuple(p for p in RESTORE_BATCH.params if p.name != "precision")
    return dataclasses.replace(RESTORE_BATCH, params=params + ((precision,) if precision else ()))


def test_the_choices_and_default_are_the_described_ones(qtbot: QtBot, tmp_path: Path) -> None:
    model = BatchFormModel()
    form = BatchForm(model)
    qtbot.addWidget(form)
    form.show()
    model.set("input", str(tmp_path / "in"))
    model.set("out", str(tmp_path / "out"))
    narrower = dataclasses.replace(RESTORE_BATCH["precision"], default="fp32", choices=("auto", "fp32"))
    model.set_description(described(narrower))
    assert [form.precision.itemText(i) for i in range(form.precision.count())] == ["auto", "FP32"]
    assert form.precision.currentData() == "fp32" and model.spec().precision == "fp32"
    model.set("precision", "int8")  # a value this backend does not offer is refused beside the field
    assert model.validate() == {"precision": "unknown precision 'int8'; choose one of auto, fp32"}
    assert form.error_labels["precision"].isVisible()
    model.set_description(described(None))  # a backend older than precisions: nothing to choose, nothing sent
    assert not form.precision.isEnabled()
    model.set("precision", "")
    assert model.validate() == {} and model.spec().precision == ""
