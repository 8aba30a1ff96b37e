"""The model archive a SageMaker endpoint serves, and its handler called exactly as the serving container calls
it (model_fn, then input_fn -> predict_fn -> output_fn per request), from the unpacked archive's own code in a
separate process: it must find the boxes ``omni detect`` finds on the same image."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from backend.cloud.sagemaker.model_archive import build_model_archive
from backend.rpc.server import Backend
from desktop.client import Connection
from protos.omni.v1 import detection_pb2, jobs_pb2
from tests.backend.detection.conftest import untrained_detector
from tests.helpers import wait_for_state

DRIVER = """
import json, sys
from pathlib import Path
model_dir, image, content_type = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
import inference  # code/inference.py, as the toolkit imports it
model = inference.model_fn(model_dir)
try:
    data = inference.input_fn(image.read_bytes(), content_type)
except ValueError as error:
    print(json.dumps({"refused": str(error), "module": inference.model_fn.__module__}))
    raise SystemExit(0)
print(inference.output_fn(inference.predict_fn(data, model), "application/json"))
"""


def photo(path: Path) -> Path:
    rng = np.random.default_rng(9)
    image = Image.fromarray(rng.integers(60, 200, (96, 128, 3), dtype=np.uint8))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 70, 60), fill=(200, 40, 40))
    draw.ellipse((80, 30, 120, 80), fill=(30, 30, 160))
    image.save(path, quality=92)
    return path


def serve(model_dir: Path, image: Path, content_type: str) -> dict[str, object]:
    """One request through the handler, in a process that sees only the archive's code."""
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(model_dir), str(image), content_type],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=model_dir,
        env={"PYTHONPATH": str(model_dir / "code"), "PATH": "/usr/bin:/bin", "ORT_DISABLE_TELEMETRY": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.timeout(600)
def test_the_endpoint_handler_finds_what_omni_detect_finds(
    detection_backend: Backend, detection_client: Connection, offline_ultralytics: Path, tmp_path: Path
) -> None:
    weights = untrained_detector(tmp_path / "fresh.pt", ["dent", "rust"], imgsz=64)
    version = detection_client.import_detector(path=str(weights), description="untrained").version
    onnx = detection_backend.workspace.store.path_of(detection_client.get_model(version).files["onnx"])
    images = tmp_path / "in"
    images.mkdir()
    image = photo(images / "car.jpg")
    spec = detection_pb2.DetectBatchSpec(input=str(images), out=str(tmp_path / "out"), model=version, conf=1e-5)
    job = detection_client.submit(jobs_pb2.JobSpec(detect_batch=spec))
    assert wait_for_state(detection_client, job.id, timeout=180).state == jobs_pb2.JOB_STATE_SUCCEEDED
    expected = json.loads((tmp_path / "out" / "records" / "car.json").read_text())["detections"]

    archive = build_model_archive(onnx, {"conf": 1e-5, "iou": 0.7, "max_det": 300, "version": version})
    assert {"model.onnx", "serving.json", "code/inference.py", "code/requirements.txt"} <= set(archive.files)
    model_dir = tmp_path / "opt-ml-model"
    with tarfile.open(fileobj=io.BytesIO(archive.data)) as opened:
        opened.extractall(model_dir, filter="data")

    answer = serve(model_dir, image, "image/jpeg")
    got = answer["detections"]
    assert isinstance(got, list) and len(got) == len(expected) > 0
    assert (answer["width"], answer["height"]) == (128, 96)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine["class"] == theirs["class"]
        assert mine["confidence"] == pytest.approx(theirs["confidence"], abs=1e-5)
        assert mine["box"] == pytest.approx(theirs["xyxy"], abs=0.011)

    png = tmp_path / "car.png"
    Image.open(image).save(png)
    assert len(serve(model_dir, png, "image/png")["detections"]) > 0  # type: ignore[arg-type]
    refused = serve(model_dir, image, "text/plain")
    assert "image/jpeg" in str(refused["refused"])
