"""Import and export as real jobs (worker processes) on a loopback backend, and their checks at submit time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.client import BackendError, Connection
from protos.omni.v1 import datasets_pb2, jobs_pb2
from tests.helpers import wait_for_state
from tests.omni_core.formats.samples import write_bad_files, write_image, write_yolo, yolo_line


def submit_import(client: Connection, path: Path, fmt: str, name: str = "") -> jobs_pb2.Job:
    spec = jobs_pb2.JobSpec(import_dataset=datasets_pb2.ImportDatasetSpec(path=str(path), format=fmt, name=name))
    return wait_for_state(client, client.submit(spec).id)


def test_import_and_export_jobs(client: Connection, tmp_path: Path) -> None:
    src = write_yolo(
        tmp_path / "My Parts", ["crack", "hole"], {"a.png": [yolo_line(1, 0.5, 0.5, 0.2, 0.2)], "b.png": []}
    )
    write_bad_files(src / "images" / "train")
    job = submit_import(client, src, "yolo")
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
    assert job.outputs["dataset"] == "My-Parts" and job.outputs["added"] == "2" and job.outputs["skipped"] == "4"
    events = list(client.watch_job(job.id))
    logs = [e.log.message for e in events if e.HasField("log")]
    assert any("truncated.jpg" in line for line in logs) and any("2 images added" in line for line in logs)
    (artifact,) = [e.artifact for e in events if e.HasField("artifact")]
    report = json.loads(client.read_artifact(artifact.key))
    assert report["added"] == 2 and len(report["skipped"]) == 4
    assert client.get_dataset("My-Parts").box_count == 1

    out = tmp_path / "export"
    spec = datasets_pb2.ExportDatasetSpec(dataset="My-Parts", out=str(out), format="voc", split=[0.5, 0.5], seed=1)
    done = wait_for_state(client, client.submit(jobs_pb2.JobSpec(export_dataset=spec)).id)
    assert done.state == jobs_pb2.JOB_STATE_SUCCEEDED, done.message
    assert done.outputs["out"] == str(out) and done.outputs["images"] == "2"
    assert (out / "classes.txt").read_text() == "crack\nhole\n"
    assert list(done.spec.export_dataset.split) == [0.5, 0.5]


@pytest.mark.parametrize(
    ("spec", "code", "field"),
    [
        (
            datasets_pb2.ExportDatasetSpec(dataset="ds", out="o", format="yolo", split=[0.5, 0.6]),
            "INVALID_ARGUMENT",
            "split",
        ),
        (datasets_pb2.ExportDatasetSpec(dataset="ds", out="o", format="tfrecord"), "INVALID_ARGUMENT", "format"),
        (datasets_pb2.ExportDatasetSpec(dataset="ds", out="full", format="yolo"), "INVALID_ARGUMENT", "out"),
        (datasets_pb2.ExportDatasetSpec(dataset="ds", out="o", statuses=[7]), "INVALID_ARGUMENT", "statuses"),  # type: ignore[list-item]
        (datasets_pb2.ExportDatasetSpec(dataset="nope", out="o", format="yolo"), "NOT_FOUND", "nope"),
    ],
)
def test_export_specs_are_checked_at_submit(
    client: Connection, tmp_path: Path, spec: datasets_pb2.ExportDatasetSpec, code: str, field: str
) -> None:
    client.create_dataset("ds")
    if spec.out == "full":
        spec.out = str(tmp_path / "full")
        write_image(tmp_path / "full" / "x.png")
    else:
        spec.out = str(tmp_path / spec.out)
    with pytest.raises(BackendError) as caught:
        client.submit(jobs_pb2.JobSpec(export_dataset=spec))
    assert caught.value.code == code and field in caught.value.message


def test_import_specs_are_checked_at_submit(client: Connection, tmp_path: Path) -> None:
    client.create_dataset("ds", ["a"])
    write_image(tmp_path / "imgs" / "x.png")
    cases = [
        (datasets_pb2.ImportDatasetSpec(path=str(tmp_path / "missing"), format="images"), "path"),
        (datasets_pb2.ImportDatasetSpec(path=str(tmp_path / "imgs"), format="openimages"), "format"),
        (datasets_pb2.ImportDatasetSpec(path=str(tmp_path / "imgs"), format="images", name="a b"), "name"),
        (
            datasets_pb2.ImportDatasetSpec(path=str(tmp_path / "imgs"), format="images", name="ds", classes=["b"]),
            "classes",
        ),
    ]
    for spec, field in cases:
        with pytest.raises(BackendError) as caught:
            client.submit(jobs_pb2.JobSpec(import_dataset=spec))
        assert caught.value.code == "INVALID_ARGUMENT" and caught.value.message.startswith(field), caught.value.message
