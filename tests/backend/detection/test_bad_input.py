"""Bad training input is refused at submit time, before anything trains, with the field and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backend.detection.data_check import check_data_yaml
from backend.detection.params import TrainDetectionParams, validate_train_params
from desktop.client import BackendError, Connection
from omni_core.errors import InvalidArgument
from protos.omni.v1 import jobs_pb2
from tests.backend.detection.conftest import generate_scenes, train_spec


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_scenes(tmp_path_factory.mktemp("bad-input") / "small", count=6, size=64)


@pytest.fixture
def copy(small: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(small, tmp_path / "copy"))


def refused(client: Connection, **spec: object) -> BackendError:
    jobs_before = len(client.list_jobs())
    with pytest.raises(BackendError) as caught:
        client.submit(train_spec(**spec))
    assert len(client.list_jobs()) == jobs_before  # nothing was queued
    return caught.value


def test_missing_folder(detection_client: Connection, copy: Path) -> None:
    shutil.rmtree(copy / "images" / "val")
    error = refused(detection_client, data=str(copy / "data.yaml"))
    assert error.code == "INVALID_ARGUMENT" and "data:" in error.message and "val" in error.message
    assert "does not exist" in error.message


def test_empty_label_sets(detection_client: Connection, copy: Path) -> None:
    for label in (copy / "labels" / "train").glob("*.txt"):
        label.write_text("")
    error = refused(detection_client, data=str(copy / "data.yaml"))
    assert error.code == "INVALID_ARGUMENT" and "train: no labelled objects" in error.message


def test_class_count_mismatches(detection_client: Connection, copy: Path) -> None:
    yaml_file = copy / "data.yaml"
    original = yaml_file.read_text()
    yaml_file.write_text(original.replace("nc: 6", "nc: 5"))
    error = refused(detection_client, data=str(yaml_file))
    assert "class-count mismatch" in error.message and "nc is 5 but names lists 6" in error.message

    yaml_file.write_text(original)
    label = sorted((copy / "labels" / "train").glob("*.txt"))[0]
    label.write_text(label.read_text() + "9 0.5 0.5 0.1 0.1\n")
    error = refused(detection_client, data=str(yaml_file))
    assert "class-count mismatch" in error.message and label.name in error.message and "class id 9" in error.message


def test_not_yaml_and_missing_file(detection_client: Connection, copy: Path, tmp_path: Path) -> None:
    (copy / "data.yaml").write_text("train: [unclosed\n")
    assert "cannot be read as YAML" in refused(detection_client, data=str(copy / "data.yaml")).message
    assert "does not exist" in refused(detection_client, data=str(tmp_path / "nowhere.yaml")).message


def test_a_pt_that_is_not_a_detector(detection_client: Connection, small: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"this is not a checkpoint")
    error = refused(detection_client, data=str(small / "data.yaml"), model=str(garbage))
    assert error.code == "INVALID_ARGUMENT" and error.message.startswith("model:")
    assert "not a PyTorch checkpoint" in error.message
    for name in ("yolo11n-seg.yaml", "nonsense.yaml", "yolo11n.pt"):
        error = refused(detection_client, data=str(small / "data.yaml"), model=name)
        assert error.message.startswith("model:"), name  # a bare .pt name would be a download: refused


def test_dataset_problems(detection_client: Connection) -> None:
    assert refused(detection_client, dataset="no-such-dataset").code == "NOT_FOUND"
    detection_client.create_dataset("empty-for-training")
    error = refused(detection_client, dataset="empty-for-training")
    assert error.code == "INVALID_ARGUMENT" and error.message.startswith("dataset:")
    with pytest.raises(BackendError, match=r"either a dataset name or a data\.yaml"):
        detection_client.submit(jobs_pb2.JobSpec(train_detection=train_spec().train_detection))


def test_parameter_ranges() -> None:
    good = TrainDetectionParams(data="x.yaml")
    assert validate_train_params(good).epochs == 100 and validate_train_params(good).imgsz == 640
    for field, value in (("imgsz", 100), ("batch", -1), ("device", "gpu7"), ("preset", "wild"), ("augment", ("x=1",))):
        with pytest.raises(InvalidArgument) as caught:
            validate_train_params(TrainDetectionParams(data="x.yaml", **{field: value}))  # type: ignore[arg-type]
        assert caught.value.field == field
    with pytest.raises(InvalidArgument, match="degrees must be between"):
        validate_train_params(TrainDetectionParams(data="x.yaml", augment=("degrees=400",)))


def test_check_summary(small: Path) -> None:
    check = check_data_yaml(small / "data.yaml")
    assert check.names == ["dent", "dirt", "rust", "scratch", "spoiled", "mold"]
    assert len(check.splits["train"].images) + len(check.splits["val"].images) == 6
    resolved = check.write_resolved(small.parent / "resolved")
    again = check_data_yaml(resolved)  # absolute paths only: the same images, wherever the trainer runs
    assert again.splits["train"].images == check.splits["train"].images
    assert "path" not in resolved.read_text()
