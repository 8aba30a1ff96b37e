"""Detection training as a real job, offline: live metrics per epoch, progress, registry entry with best.pt,
ONNX and card, the report's sections; and a run cancelled mid-epoch and resumed with its own arguments."""

from __future__ import annotations

import json
import time
from pathlib import Path

from backend.rpc.server import Backend
from desktop.client import Connection
from protos.omni.v1 import datasets_pb2, jobs_pb2
from tests.backend.detection.conftest import TrainedDetector, job_logs, train_spec
from tests.helpers import wait_for_state

EPOCH_METRICS = {
    "train/box_loss",
    "train/cls_loss",
    "train/dfl_loss",
    "val/precision",
    "val/recall",
    "val/map50",
    "val/map50_95",
}


def epoch_metrics(client: Connection, job_id: str) -> dict[int, dict[str, float]]:
    metrics: dict[int, dict[str, float]] = {}
    for event in client.watch_job(job_id):
        if event.WhichOneof("payload") == "metric":
            metrics.setdefault(event.metric.epoch, {})[event.metric.name] = event.metric.value
    return metrics


def test_metrics_progress_and_no_network(trained: TrainedDetector, detection_client: Connection) -> None:
    events = list(detection_client.watch_job(trained.job.id))
    metrics = epoch_metrics(detection_client, trained.job.id)
    assert set(metrics) == {1, 2}  # one set per epoch: the final validation of best.pt is not an epoch
    assert all(set(values) >= EPOCH_METRICS for values in metrics.values())
    names = [e.metric.name for e in events if e.WhichOneof("payload") == "metric"]
    assert names.count("val/map50") == 2
    progress = [e.progress for e in events if e.WhichOneof("payload") == "progress" and e.progress.unit == "batches"]
    assert progress[-1].done == progress[-1].total == 2 * 3  # 12 training images, batch 4
    assert any(p.eta_seconds >= 0 for p in progress)
    logs = job_logs(detection_client, trained.job.id)
    assert not [line for line in logs if "network" in line], logs  # every worker ran with OMNI_DENY_NETWORK=1


def test_registry_entry(trained: TrainedDetector, detection_client: Connection) -> None:
    model = detection_client.get_model(trained.version)
    assert trained.version.startswith("detector_") and model.kind == "detector" and model.layer == "detector"
    assert {role: Path(key).name for role, key in model.files.items()} == {"weights": "best.pt", "onnx": "best.onnx"}
    assert trained.weights.stat().st_size > 100_000 and trained.onnx.stat().st_size > 100_000
    card = json.loads(model.card_json)
    assert card["architecture"] == "yolo11n" and card["task"] == "detect" and card["parameters"] > 1_000_000
    assert card["classes"] == ["dent", "dirt", "rust", "scratch", "spoiled", "mold"] and card["imgsz"] == 64
    assert set(card["metrics"]) == {"precision", "recall", "map50", "map50_95"}
    assert card["onnx"]["max_abs_diff_scores"] < 1e-3 and card["data_fingerprint"]
    assert card["environment"]["ultralytics"] and card["job_id"] == trained.job.id
    assert model.metrics["map50"] >= 0.0  # from scratch, two epochs find nothing yet: never expect more


def test_report_sections(trained: TrainedDetector, detection_client: Connection) -> None:
    text = detection_client.get_report(trained.job.id, "text")
    for section in ("TRAINING REPORT", "PARAMETERS", "DATA", "METRICS PER EPOCH", "PER-CLASS AP", "CONFUSION MATRIX",
                    "MODEL", "COMPARISON WITH THE PREVIOUS MODEL", "ENVIRONMENT", "RECOMMENDATIONS"):  # fmt: skip
        assert section in text, section
    assert "State: SUCCEEDED" in text and trained.version in text
    report = json.loads(detection_client.get_report(trained.job.id, "json"))
    assert report["kind"] == "train_detection" and len(report["epochs"]) == 2
    assert [row["class"] for row in report["per_class"]] == ["dent", "dirt", "rust", "scratch", "spoiled", "mold"]
    assert report["data"]["splits"]["train"]["images"] == 12 and report["data"]["splits"]["val"]["images"] == 4
    confusion = report["confusion_matrix"]
    assert confusion["labels"][-1] == "background" and len(confusion["matrix"]) == 7
    true_objects = sum(report["data"]["splits"]["val"]["instances_by_class"].values())
    assert sum(row[c] for row in confusion["matrix"] for c in range(6)) == true_objects  # each true box once
    assert 1 <= len(report["samples"]) <= 4 and report["samples"][0]["jpeg_base64"]
    html = detection_client.get_report(trained.job.id, "html")
    assert html.count("data:image/png;base64,") == 3  # losses, metrics, confusion matrix
    assert html.count("data:image/jpeg;base64,") == len(report["samples"])


def _import_scenes(client: Connection, scenes: Path, name: str) -> None:
    spec = datasets_pb2.ImportDatasetSpec(path=str(scenes), format="yolo", name=name)
    job = client.submit(jobs_pb2.JobSpec(import_dataset=spec))
    assert wait_for_state(client, job.id, timeout=60).state == jobs_pb2.JOB_STATE_SUCCEEDED


def test_cancel_keeps_the_last_epoch_and_resume_uses_the_original_arguments(
    detection_backend: Backend, detection_client: Connection, scenes: Path
) -> None:
    client = detection_client
    _import_scenes(client, scenes, "scenes-resume")
    job = client.submit(train_spec(dataset="scenes-resume", epochs=3, preset="few_photos", augment=["mixup=0"]))
    cancelled_at = 0.0
    for event in client.follow_job(job.id):  # cancel as soon as epoch 1 is validated
        if not cancelled_at and event.WhichOneof("payload") == "metric" and event.metric.name == "val/map50":
            client.cancel_job(job.id)
            cancelled_at = time.monotonic()
    cancelled = client.get_job(job.id)
    assert cancelled.state == jobs_pb2.JOB_STATE_CANCELLED, cancelled.message
    assert time.monotonic() - cancelled_at < 10 and cancelled.resumable
    assert "State: CANCELLED" in client.get_report(job.id, "text")
    assert detection_backend.workspace.store.exists(f"training-outputs/checkpoints/{job.id}/last.pt")

    resumed = client.resume_job(job.id)
    final = wait_for_state(client, resumed.id, timeout=240)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    assert set(epoch_metrics(client, resumed.id)) == {1, 2, 3}  # the resumed job's log carries the whole curve
    report = json.loads(client.get_report(resumed.id, "json"))
    assert report["resumed_from"] == job.id and report["resumed_at_epoch"] in (1, 2)
    args = report["trainer_arguments"]  # what Ultralytics trained with: the checkpoint's own arguments
    assert (args["imgsz"], args["epochs"], args["batch"], args["degrees"], args["mixup"]) == (64, 3, 4, 20.0, 0.0)
    assert report["data"]["source"] == "dataset scenes-resume"
    assert [e["epoch"] for e in report["epochs"]] == [1, 2, 3]
    card = json.loads(client.get_model(final.outputs["model_version"]).card_json)
    assert card["augmentation"] == {"preset": "few_photos", "overrides": ["mixup=0"]}
