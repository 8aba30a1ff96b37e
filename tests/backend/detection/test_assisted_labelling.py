"""Model-assisted labelling on the backend: SuggestBoxes on one dataset image, pre-labelling every todo
image as a job (people's boxes kept, done images untouched), and importing detectors (refusing others)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.client import BackendError, Connection
from protos.omni.v1 import datasets_pb2, detection_pb2, jobs_pb2
from tests.backend.detection.conftest import TrainedDetector, job_logs, untrained_detector
from tests.helpers import wait_for_state

TODO, DONE, REVIEW = datasets_pb2.IMAGE_STATUS_TODO, datasets_pb2.IMAGE_STATUS_DONE, datasets_pb2.IMAGE_STATUS_REVIEW
CLASSES = ["dent", "dirt", "rust", "scratch"]  # the detector also knows spoiled and mold


@pytest.fixture(scope="module")
def dataset(detection_client: Connection, trained: TrainedDetector, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Eight unlabelled (todo) images in a dataset with four of the detector's six classes."""
    folder = tmp_path_factory.mktemp("assist") / "photos"
    folder.mkdir()
    for path in sorted((trained.data_dir / "images").rglob("*.jpg"))[:8]:
        shutil.copy(path, folder / path.name)
    detection_client.create_dataset("assist", CLASSES)
    spec = datasets_pb2.ImportDatasetSpec(path=str(folder), format="images", name="assist")
    job = detection_client.submit(jobs_pb2.JobSpec(import_dataset=spec))
    assert wait_for_state(detection_client, job.id, timeout=60).state == jobs_pb2.JOB_STATE_SUCCEEDED
    return "assist"


def _images(client: Connection, name: str, **kwargs: object) -> list[datasets_pb2.ImageInfo]:
    return list(client.list_images(name, **kwargs).images)  # type: ignore[arg-type]


def test_suggest_boxes(detection_client: Connection, busy_version: str, dataset: str) -> None:
    image = _images(detection_client, dataset)[0]
    before = detection_client.get_annotations(dataset, image.image_id)
    reply = detection_client.suggest_boxes(dataset, image.image_id, model=busy_version, conf=0.3)
    assert reply.model_version == busy_version and reply.provider == "CPUExecutionProvider"
    assert (reply.width, reply.height) == (64, 64) and reply.inference_ms > 0
    assert reply.boxes and all(b.HasField("confidence") and 0.3 < b.confidence <= 1 for b in reply.boxes)
    assert [b.confidence for b in reply.boxes] == sorted((b.confidence for b in reply.boxes), reverse=True)
    assert {b.class_id for b in reply.boxes} <= set(range(len(CLASSES)))
    assert set(reply.unmapped_classes) == {"spoiled", "mold"}
    assert detection_client.get_annotations(dataset, image.image_id).revision == before.revision  # nothing saved
    again = detection_client.suggest_boxes(dataset, image.image_id, model=busy_version, conf=0.3)  # warm helper
    assert [b.x_center for b in again.boxes] == [b.x_center for b in reply.boxes]


def test_suggest_errors(detection_client: Connection, busy_version: str, dataset: str) -> None:
    image_id = _images(detection_client, dataset)[0].image_id
    with pytest.raises(BackendError) as caught:
        detection_client.suggest_boxes("no-such-dataset", image_id, model=busy_version)
    assert caught.value.code == "NOT_FOUND"
    with pytest.raises(BackendError) as caught:
        detection_client.suggest_boxes(dataset, "0" * 64, model=busy_version)
    assert caught.value.code == "NOT_FOUND"
    with pytest.raises(BackendError) as caught:
        detection_client.suggest_boxes(dataset, image_id, model="restoration_layer2_20000101_000000")
    assert caught.value.code in ("NOT_FOUND", "INVALID_ARGUMENT")
    with pytest.raises(BackendError) as caught:
        detection_client.suggest_boxes(dataset, image_id, model=busy_version, conf=2)
    assert caught.value.code == "INVALID_ARGUMENT" and caught.value.message.startswith("conf:")


def test_prelabel_todo_images(detection_client: Connection, busy_version: str, dataset: str) -> None:
    client = detection_client
    images = _images(client, dataset)
    drawn, finished = images[1], images[2]
    person_box = datasets_pb2.Box(class_id=2, x_center=0.5, y_center=0.5, width=0.2, height=0.2)
    client.save_annotations(dataset, drawn.image_id, base_revision=0, boxes=[person_box], editor="ann")
    client.save_annotations(dataset, finished.image_id, base_revision=0, boxes=[person_box], status=DONE, editor="ann")
    spec = detection_pb2.PrelabelSpec(dataset=dataset, model=busy_version, conf=0.3)
    job = client.submit(jobs_pb2.JobSpec(prelabel=spec))
    final = wait_for_state(client, job.id, timeout=120)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    assert final.outputs["labelled"] == "7" and int(final.outputs["boxes"]) > 0
    assert any("spoiled" in line for line in job_logs(client, job.id))  # the classes the dataset lacks, named

    assert [i.image_id for i in _images(client, dataset, status=TODO)] == []
    reviewed = _images(client, dataset, status=REVIEW)
    assert len(reviewed) == 7
    kept = client.get_annotations(dataset, drawn.image_id)
    assert kept.status == REVIEW and kept.updated_by == f"model:{busy_version}"
    assert [b for b in kept.boxes if not b.HasField("confidence")] == [person_box]  # the person's box stays
    assert any(b.HasField("confidence") for b in kept.boxes)
    untouched = client.get_annotations(dataset, finished.image_id)
    assert untouched.status == DONE and untouched.revision == 1 and list(untouched.boxes) == [person_box]

    ordered = _images(client, dataset, status=REVIEW, order_by="confidence")
    lowest = [min(b.confidence for b in client.get_annotations(dataset, i.image_id).boxes if b.HasField("confidence"))
              for i in ordered]  # fmt: skip
    assert lowest == sorted(lowest)  # annotators can fix the least confident first

    rerun = client.submit(jobs_pb2.JobSpec(prelabel=spec))  # nothing left to do: resumable by nature
    assert wait_for_state(client, rerun.id, timeout=120).outputs["labelled"] == "0"


def test_import_refuses_what_is_not_a_detector(
    detection_client: Connection, tmp_path: Path, offline_ultralytics: Path
) -> None:
    def refused(path: Path) -> BackendError:
        with pytest.raises(BackendError) as caught:
            detection_client.import_detector(path=str(path))
        assert caught.value.code == "INVALID_ARGUMENT"
        return caught.value

    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00" * 1000)
    assert "is not a PyTorch checkpoint" in refused(garbage).message
    classifier = untrained_detector(tmp_path / "classifier.pt", ["ok", "bad"], task="classify")
    assert "is a classification model (ClassificationModel), not a detector" in refused(classifier).message
    import torch

    torch.save({"weights": torch.zeros(3)}, tmp_path / "plain.pt")
    assert "not an Ultralytics model" in refused(tmp_path / "plain.pt").message
    before = len(detection_client.list_models(kind="detector"))
    with pytest.raises(BackendError, match="kind"):
        detection_client._call(
            detection_client.detection.ImportDetector,
            detection_pb2.ImportDetectorRequest(path=str(classifier), kind="restoration"),
        )
    assert len(detection_client.list_models(kind="detector")) == before


def test_import_sent_bytes(detection_client: Connection, tmp_path: Path, offline_ultralytics: Path) -> None:
    weights = untrained_detector(tmp_path / "fresh.pt", ["crack", "hole"], imgsz=96)
    model = detection_client.import_detector(data=weights.read_bytes(), filename="fresh.pt", description="untrained")
    assert model.version.startswith("detector_") and set(model.files) == {"weights", "onnx"}
    card = model.card_json
    assert '"crack"' in card and '"imgsz": 96' in card and "network_attempts" not in card
