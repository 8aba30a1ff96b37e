"""A restoration version served by a SageMaker endpoint: the handler called as the serving container calls it,
from the unpacked model archive's own code in a separate process, answers with the image ``omni restore`` writes."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

from backend.cloud.sagemaker.model_archive import build_model_archive
from backend.rpc.server import Backend
from desktop.client import Connection
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import register, write_images
from tests.helpers import wait_for_state

DRIVER = """
import sys
from pathlib import Path
model_dir, image, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
import inference
model = inference.model_fn(model_dir)
data = inference.input_fn(image.read_bytes(), "image/png")
answer = inference.output_fn(inference.predict_fn(data, model), "image/png")
out.write_bytes(answer)
"""


def test_the_endpoint_restores_as_omni_restore_does(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    version = register(backend.workspace.root, tiny_onnx)
    [photo] = write_images(tmp_path / "in", ["scan.png"], size=(48, 64))
    spec = batch_pb2.RestoreBatchSpec(input=str(tmp_path / "in"), out=str(tmp_path / "out"), model=version)
    job = wait_for_state(client, client.submit(jobs_pb2.JobSpec(restore_batch=spec)).id, timeout=120)
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
    expected = np.asarray(Image.open(tmp_path / "out" / "scan.png"))

    archive = build_model_archive(tiny_onnx, {"kind": "restoration", "version": version})
    model_dir = tmp_path / "opt-ml-model"
    with tarfile.open(fileobj=io.BytesIO(archive.data)) as opened:
        opened.extractall(model_dir, filter="data")
    answer = tmp_path / "answer.png"
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(model_dir), str(photo), str(answer)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=model_dir,
        env={"PYTHONPATH": str(model_dir / "code"), "PATH": "/usr/bin:/bin", "ORT_DISABLE_TELEMETRY": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    restored = np.asarray(Image.open(answer))
    assert restored.shape == expected.shape == (48, 64, 3)
    assert np.abs(restored.astype(int) - expected.astype(int)).max() <= 1
    assert np.abs(restored.astype(int) - np.asarray(Image.open(photo)).astype(int)).mean() > 0.5  # it did something
