"""Detection runs in the Train view: the run's series from scripted Ultralytics-callback events (per-epoch
losses and validation metrics, progress in batches), the run list, the detection form's checks and spec;
and, with Qt, the Train view's kind selector, the detection curves page (and a screenshot)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from pytestqt.qtbot import QtBot

from desktop.models.detection_form import DetectionFormModel
from desktop.models.form_errors import FormInvalid
from desktop.models.training_run import (
    BOX_LOSS,
    CLS_LOSS,
    DETECTION,
    DFL_LOSS,
    MAP50,
    MAP50_95,
    PRECISION,
    RECALL,
    RESTORATION,
    TrainingRunModel,
)
from desktop.models.training_runs import run_label
from protos.omni.v1 import detection_pb2, jobs_pb2
from tests.desktop.refusals import field_refusal

S = jobs_pb2
BATCHES = 5
EPOCHS = 4
SHOTS = Path(os.environ.get("OMNI_SHOTS_DIR", "/tmp/omni-shots"))


def ev(seq: int, **payload: Any) -> S.JobEvent:
    return S.JobEvent(job_id="d", seq=seq, time=Timestamp(seconds=1_700_000_000 + seq), **payload)


def epoch_values(epoch: int) -> dict[str, float]:
    return {
        BOX_LOSS: 2.0 / epoch,
        CLS_LOSS: 3.0 / epoch,
        DFL_LOSS: 1.5 / epoch**0.5,
        PRECISION: 0.2 * epoch,
        RECALL: 0.15 * epoch,
        MAP50: 0.18 * epoch,
        MAP50_95: 0.09 * epoch,
        "val/box_loss": 2.2 / epoch,
        "lr": 0.01,
        "train/images_per_second": 40.0,
    }


def detection_script(epochs: int = 3) -> list[S.JobEvent]:
    """What ``backend/detection/callbacks.py`` emits: progress per batch, then the epoch's metrics."""
    events = [ev(1, state=S.StateChange(state=S.JOB_STATE_RUNNING))]
    for epoch in range(1, epochs + 1):
        for batch in range(1, BATCHES + 1):
            done = (epoch - 1) * BATCHES + batch
            progress = S.Progress(
                done=done, total=EPOCHS * BATCHES, unit="batches", eta_seconds=12, message=f"epoch {epoch}/{EPOCHS}"
            )
            events.append(ev(len(events) + 1, progress=progress))
        for name, value in epoch_values(epoch).items():
            metric = S.Metric(name=name, value=value, step=epoch * BATCHES, epoch=epoch)
            events.append(ev(len(events) + 1, metric=metric))
        events.append(ev(len(events) + 1, log=S.LogLine(message=f"epoch {epoch}: box ...")))
    return events


def detection_job(**spec: Any) -> S.Job:
    return S.Job(
        id="d",
        kind="train_detection",
        state=S.JOB_STATE_RUNNING,
        created_at=Timestamp(seconds=1_700_000_000),
        spec=S.JobSpec(train_detection=detection_pb2.TrainDetectionSpec(**spec)),
    )


def test_detection_events_become_per_epoch_series() -> None:
    run = TrainingRunModel()
    run.follow("d", detection_job(dataset="parts", epochs=EPOCHS))
    assert run.kind == DETECTION and run.is_detection
    events = detection_script(3)
    assert run.add_events("d", events) == len(events)
    assert run.epoch_series(BOX_LOSS) == ([1.0, 2.0, 3.0], [2.0, 1.0, pytest.approx(2 / 3)])
    assert run.epoch_series(MAP50)[1] == pytest.approx([0.18, 0.36, 0.54])
    assert run.epoch_series(MAP50_95)[0] == [1.0, 2.0, 3.0]
    assert run.steps_per_epoch == BATCHES  # progress counts batches
    assert run.epochs_done == 3 and run.total_epochs == EPOCHS
    assert run.progress_text() == "epoch 3/4 · 75% · ETA 12s"
    assert run.latest_epoch_text() == (
        "epoch 3: box 0.667 · cls 1.000 · dfl 0.866 · P 0.600 · R 0.450 · mAP50 0.540 · mAP50-95 0.270 · 40 img/s"
    )
    assert run.step_losses() == ([], [])
    assert run.add_events("d", events) == 0  # a replay adds nothing
    assert run.point_count == 3 * len(epoch_values(1))


def test_the_kind_comes_from_the_metrics_when_no_job_snapshot_is_known() -> None:
    run = TrainingRunModel()
    run.follow("d")
    assert run.kind == RESTORATION
    run.add_events("d", detection_script(1))
    assert run.is_detection
    run.follow("r")
    assert run.kind == RESTORATION


def test_run_label_of_a_detection_run() -> None:
    label = run_label(detection_job(dataset="parts", model="yolo11s.yaml", epochs=30))
    assert " · detector yolo11s · parts · 30 epochs · running" in label
    assert "detector yolo11n · data.yaml · 100 epochs" in run_label(detection_job(data="/x/data.yaml"))


def test_detection_form_defaults_checks_and_spec() -> None:
    form = DetectionFormModel()
    f = form.fields
    assert (f.model, f.epochs, f.imgsz, f.batch, f.device, f.preset) == (
        "yolo11n.yaml",
        100,
        640,
        16,
        "auto",
        "standard",
    )
    with pytest.raises(FormInvalid):
        form.job_spec()
    assert set(form.errors) == {"dataset"}
    form.set_datasets(["parts", "fruit"])
    assert form.fields.dataset == "parts" and not form.validate()
    form.set("imgsz", 100)
    form.set("source", "data")
    form.set("data", "images/")
    assert set(form.validate()) == {"imgsz", "data"}
    form.set("imgsz", 64)
    form.set("data", "/d/data.yaml")
    form.set("preset", "few_photos")
    spec = form.job_spec().train_detection
    assert (spec.dataset, spec.data, spec.imgsz, spec.preset, spec.model) == (
        "",
        "/d/data.yaml",
        64,
        "few_photos",
        "yolo11n.yaml",
    )
    form.apply_server_error(field_refusal("train_detection.epochs", "must be at least 1"))
    assert form.errors == {"epochs": "must be at least 1"}
    form.apply_server_error("data.yaml points at a missing folder: /d/images/val")
    assert form.general_error.startswith("data.yaml points")


def test_train_view_detection_form_and_curves(qtbot: QtBot) -> None:
    """The kind selector submits a train_detection spec; a detection run shows its own curves (screenshot)."""
    from desktop.qt.session import Session
    from desktop.qt.views.train_view import TrainView

    session = Session()
    view = TrainView(session)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    try:
        assert view.forms.currentIndex() == 0 and not view.detection
        view.set_kind("detection")
        assert view.forms.currentIndex() == 1 and view.detection_form.isVisible()
        view.detection_model.set_datasets(["parts"])
        assert view.detection_form.dataset.currentText() == "parts"
        view.detection_form.epochs.setValue(12)
        assert view.detection_model.job_spec().train_detection.epochs == 12

        run = view.panel.run
        run.follow("d", detection_job(dataset="parts", epochs=EPOCHS))
        run.add_events("d", detection_script(EPOCHS))
        plots = view.panel.plots
        plots.redraw()
        assert plots.pages.currentIndex() == 1
        xs, ys = plots.detection_metric_curves[MAP50].getData()
        assert list(xs) == [1.0, 2.0, 3.0, 4.0] and ys[-1] == pytest.approx(0.72)
        assert view.panel.summary.text().startswith("epoch 4: box 0.500")
        qtbot.wait(50)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert view.grab().save(str(SHOTS / "train-detection-curves.png"))

        run.follow(None)  # restoration runs keep their page
        assert plots.pages.currentIndex() == 0
    finally:
        view.stop()
        session.shutdown(stop_backend=False)
