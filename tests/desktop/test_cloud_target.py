"""Where to train: the Qt-free target model (the SageMaker dispatch it submits, what it remembers) and the Train
view's box over it (offscreen)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.models.cloud_target import CloudTargetModel
from desktop.models.preferences import Preferences
from desktop.qt.session import Session
from desktop.qt.views.train_view import TrainView
from protos.omni.v1 import detection_pb2, jobs_pb2, training_pb2

RESTORATION = jobs_pb2.JobSpec(train_restoration=training_pb2.TrainRestorationSpec(data="pairs", epochs=3))
DETECTION = jobs_pb2.JobSpec(train_detection=detection_pb2.TrainDetectionSpec(dataset="cars", epochs=5))


def test_on_this_backend_the_spec_is_submitted_as_it_is(tmp_path: Path) -> None:
    model = CloudTargetModel(Preferences(tmp_path / "p.json"))
    assert model.wrap(RESTORATION) is RESTORATION


def test_on_sagemaker_the_training_becomes_its_dispatch(tmp_path: Path) -> None:
    model = CloudTargetModel(Preferences(tmp_path / "p.json"))
    model.set("target", "sagemaker")
    model.set("spot", True)
    model.set("max_run_hours", 2.0)
    model.set("max_wait_hours", 3.5)
    model.set("role", " arn:aws:iam::123456789012:role/omni ")
    wrapped = model.wrap(RESTORATION)
    assert wrapped.WhichOneof("spec") == "train_sagemaker"
    dispatch = wrapped.train_sagemaker
    assert dispatch.restoration.data == "pairs" and dispatch.restoration.epochs == 3
    assert (dispatch.target.max_run_seconds, dispatch.target.max_wait_seconds) == (7200, 12600)
    assert dispatch.target.spot and dispatch.target.role == "arn:aws:iam::123456789012:role/omni"
    assert model.wrap(DETECTION).train_sagemaker.detection.dataset == "cars"
    model.set("spot", False)  # without Spot there is no wait to send (the backend would refuse one)
    assert model.target_proto().max_wait_seconds == 0


def test_choices_are_remembered_and_a_broken_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "prefs" / "desktop.json"
    first = CloudTargetModel(Preferences(path))
    first.set("target", "sagemaker")
    first.set("region", "eu-west-1")
    again = CloudTargetModel(Preferences(path))
    assert (again.fields.target, again.fields.region) == ("sagemaker", "eu-west-1")
    path.write_text("{not json")
    assert CloudTargetModel(Preferences(path)).fields.target == "local"


def test_the_train_view_submits_a_sagemaker_run_when_asked(qtbot: QtBot) -> None:
    session = Session()
    view = TrainView(session)
    qtbot.addWidget(view)
    view.show()
    box = view.target_box
    assert not box.details.isVisible()
    box.target.setCurrentIndex(box.target.findData("sagemaker"))
    assert box.details.isVisible() and not box.max_wait.isEnabled()
    box.spot.setChecked(True)
    assert box.max_wait.isEnabled()
    qtbot.keyClicks(box.region, "us-east-1")
    view.form_model.set("data", "pairs")
    spec = view.job_spec()
    assert spec is not None and spec.WhichOneof("spec") == "train_sagemaker"
    assert spec.train_sagemaker.target.region == "us-east-1" and spec.train_sagemaker.target.spot
    assert spec.train_sagemaker.restoration.data == "pairs"
    box.target.setCurrentIndex(box.target.findData("local"))
    local = view.job_spec()
    assert local is not None and local.WhichOneof("spec") == "train_restoration"


def test_a_sagemaker_run_is_listed_and_drawn_as_the_training_it_is() -> None:
    from desktop.models.training_run import DETECTION, RESTORATION, TrainingRunModel, training_kind
    from desktop.models.training_runs import TRAIN_KINDS, run_label
    from protos.omni.v1 import cloud_pb2

    restoration = jobs_pb2.Job(
        id="train_sagemaker_1",
        kind="train_sagemaker",
        spec=jobs_pb2.JobSpec(
            train_sagemaker=cloud_pb2.SageMakerTrainSpec(
                restoration=training_pb2.TrainRestorationSpec(layer=1, preset="mini", epochs=4)
            )
        ),
    )
    detection = jobs_pb2.Job(
        id="train_sagemaker_2",
        kind="train_sagemaker",
        spec=jobs_pb2.JobSpec(
            train_sagemaker=cloud_pb2.SageMakerTrainSpec(
                detection=detection_pb2.TrainDetectionSpec(dataset="cars", epochs=5)
            )
        ),
    )
    assert "train_sagemaker" in TRAIN_KINDS
    assert (training_kind(restoration), training_kind(detection)) == (RESTORATION, DETECTION)
    assert "layer 1 mini" in run_label(restoration) and "on SageMaker" in run_label(restoration)
    assert "detector yolo11n" in run_label(detection) and "cars" in run_label(detection)
    run = TrainingRunModel()
    run.follow(detection.id)
    run.set_job(detection)
    assert run.kind == DETECTION  # so the detection curves are drawn
