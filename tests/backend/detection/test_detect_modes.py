"""Batch detection reads every image mode Pillow hands it (CMYK JPEG/TIFF, YCbCr, L*a*b*, 16-bit, 32-bit
integer and float grey, 1-bit, grey + alpha, palette + transparency): none is refused, and each is seen
as the picture it is (a float scan holding 0.0-1.0 is not black). A real detector (untrained yolo11n,
imported) in a real ``detect_batch`` job."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from desktop.client import Connection
from omni_core.detection.images import decode_rgb
from protos.omni.v1 import detection_pb2, jobs_pb2
from tests.backend.batch.mode_samples import write_mode_samples
from tests.backend.detection.conftest import untrained_detector
from tests.helpers import wait_for_state


def test_every_mode_is_read_as_the_picture_it_is(tmp_path: Path) -> None:
    modes = write_mode_samples(tmp_path)
    reference = decode_rgb(tmp_path / "ycbcr.tif").astype(np.float64)  # the same photo, in colour
    for name in modes:
        pixels = decode_rgb(tmp_path / name)
        assert pixels.shape == (40, 56, 3) and pixels.dtype == np.uint8, name
        if name in ("print.jpg", "print-scan.tif", "lab.tif", "palette.png"):
            assert np.abs(pixels - reference).mean() < 6, name  # same colours, whatever the mode
        else:  # grey versions of it: not black, not white, with its contrast
            assert 20 < pixels.mean() < 235 and pixels.std() > 2, (name, pixels.mean(), pixels.std())


def test_detect_batch_over_every_mode(detection_client: Connection, offline_ultralytics: Path, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    modes = write_mode_samples(source)
    write_mode_samples(source / "not entered")  # a subfolder: not read without recursive, and counted
    weights = untrained_detector(tmp_path / "fresh.pt", ["dent", "rust"], imgsz=64)
    version = detection_client.import_detector(path=str(weights), description="untrained").version
    spec = detection_pb2.DetectBatchSpec(input=str(source), out=str(out), model=version, conf=0.01)
    job = detection_client.submit(jobs_pb2.JobSpec(detect_batch=spec))
    final = wait_for_state(detection_client, job.id, timeout=120)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    summary = json.loads((out / "summary.json").read_text())
    assert summary["problems"] == [] and summary["images"] == len(modes)
    assert summary["annotated_images"].startswith("8-bit RGB")
    assert summary["subfolders_not_entered"] == 1 and final.outputs["subfolders_not_entered"] == "1"
    for name in modes:
        stem = name.rsplit(".", 1)[0]
        record = json.loads((out / "records" / f"{stem}.json").read_text())
        assert (record["width"], record["height"]) == (56, 40), name
        with Image.open(out / "annotated" / name) as annotated:
            assert annotated.mode == "RGB" and annotated.size == (56, 40), name  # a drawing: 8-bit RGB
            assert 20 < np.asarray(annotated).mean() < 235, name
