"""Batch detection of a folder: per-image outputs, the summary, resume, and unreadable files listed."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from desktop.client import BackendError, Connection
from protos.omni.v1 import detection_pb2, jobs_pb2
from tests.backend.detection.conftest import TrainedDetector
from tests.helpers import wait_for_state


@pytest.fixture(scope="module")
def folder(trained: TrainedDetector, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("batch") / "in"
    (source / "sub").mkdir(parents=True)
    images = sorted((trained.data_dir / "images").rglob("*.jpg"))
    for path in images[:5]:
        shutil.copy(path, source / path.name)
    shutil.copy(images[5], source / "sub" / images[5].name)
    (source / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not the rest of a JPEG")
    (source / "notes.txt").write_text("not an image")
    return source


def job_items(client: Connection, job_id: str) -> list[jobs_pb2.ItemOutcome]:
    return [e.item for e in client.watch_job(job_id) if e.WhichOneof("payload") == "item"]


def run(client: Connection, **values: object) -> jobs_pb2.Job:
    spec = detection_pb2.DetectBatchSpec(**values)  # type: ignore[arg-type]
    job = client.submit(jobs_pb2.JobSpec(detect_batch=spec))
    final = wait_for_state(client, job.id, timeout=120)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    return final


def test_outputs_summary_resume_and_corrupt_files(
    detection_client: Connection, busy_version: str, folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    job = run(detection_client, input=str(folder), out=str(out), model=busy_version)
    assert job.spec.detect_batch.model == busy_version and job.outputs["out"] == str(out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["images"] == 5 and summary["model"] == busy_version  # sub/ is not read without --recursive
    assert summary["provider"] == "CPUExecutionProvider"
    problems = {p["file"]: p for p in summary["problems"]}
    assert problems["broken.jpg"]["status"] == "corrupt" and "corrupt" in problems["broken.jpg"]["reason"]
    assert problems["notes.txt"]["status"] == "skipped"
    assert sum(summary["counts_by_class"].values()) == summary["detections"] > 0
    for image in (p.name for p in folder.glob("scene_*.jpg")):
        stem = image.removesuffix(".jpg")
        record = json.loads((out / "records" / f"{stem}.json").read_text())
        labels = (out / "labels" / f"{stem}.txt").read_text().splitlines()
        assert len(labels) == len(record["detections"]) and record["width"] == record["height"] == 64
        assert all(len(line.split()) == 6 for line in labels)  # class, box, confidence
        assert (out / "annotated" / image).stat().st_size > 0
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert {row["image"] for row in rows if row["status"] == "ok"} == {p.name for p in folder.glob("scene_*.jpg")}
    assert any(row["status"] == "corrupt" and row["image"] == "broken.jpg" for row in rows)
    assert len(list(csv.DictReader((out / "detections.csv").open()))) == summary["detections"]
    items = {item.input: item for item in job_items(detection_client, job.id)}
    assert set(items) == {p.name for p in folder.glob("scene_*.jpg")} | set(problems)  # one per file
    broken, notes = items["broken.jpg"], items["notes.txt"]
    assert (broken.ok, broken.skipped) == (False, False) and broken.reason == problems["broken.jpg"]["reason"]
    assert (notes.ok, notes.skipped) == (False, True) and notes.reason == problems["notes.txt"]["reason"]
    for image in (p.name for p in folder.glob("scene_*.jpg")):
        record = json.loads((out / "records" / f"{image.removesuffix('.jpg')}.json").read_text())
        item = items[image]
        assert item.ok and item.output == f"annotated/{image}" and (item.width, item.height) == (64, 64)
        assert item.detections == len(record["detections"]) and dict(item.classes) == record["counts"]

    # a second run resumes: nothing is detected again, the summary still covers every image
    stamps = {p: p.stat().st_mtime_ns for p in (out / "records").iterdir()}
    second = run(detection_client, input=str(folder), out=str(out), model=busy_version)
    again = json.loads((out / "summary.json").read_text())
    assert again["done_before"] == 5 and again["detected_now"] == 0 and again["images"] == 5
    resumed = [item for item in job_items(detection_client, second.id) if item.input.startswith("scene_")]
    assert len(resumed) == 5 and all(item.skipped and item.output.startswith("annotated/") for item in resumed)
    assert stamps == {p: p.stat().st_mtime_ns for p in (out / "records").iterdir()}

    # recursive, redoing everything (--no-resume) and a stricter threshold
    run(detection_client, input=str(folder), out=str(out), model=busy_version, recursive=True, overwrite=True, conf=0.9)
    strict = json.loads((out / "summary.json").read_text())
    assert strict["done_before"] == 0 and strict["images"] == 6 and (out / "records" / "sub").is_dir()
    assert strict["detections"] < summary["detections"] * 6 / 5


def test_refused_before_running(detection_client: Connection, busy_version: str, folder: Path) -> None:
    def refused(**values: object) -> BackendError:
        with pytest.raises(BackendError) as caught:
            detection_client.submit(jobs_pb2.JobSpec(detect_batch=detection_pb2.DetectBatchSpec(**values)))  # type: ignore[arg-type]
        return caught.value

    assert refused(input=str(folder), out=str(folder), model=busy_version).message.startswith("out:")
    recursive = refused(input=str(folder), out=str(folder / "results"), model=busy_version, recursive=True)
    assert "recursive" in recursive.message
    assert (
        refused(input=str(folder), out=str(folder.parent / "x"), model="detector_20000101_000000").code == "NOT_FOUND"
    )
    assert refused(input=str(folder), out=str(folder.parent / "x"), conf=1.5).message.startswith("conf:")
