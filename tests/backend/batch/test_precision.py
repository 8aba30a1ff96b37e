"""``precision`` of a batch restoration, on a real server and worker: the INT8 export really runs when asked
(or when auto finds it kept and faster on a CPU), and a variant the version lacks is refused before the start."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.registry import ModelRegistry
from backend.restoration.quantize import quantize_int8
from backend.rpc.server import Backend
from backend.storage import LocalStore
from desktop.client import BackendError, Connection
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import smooth_rgb, write_images
from tests.helpers import wait_for_state


@pytest.fixture(scope="module")
def tiny_int8(tiny_onnx: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``tiny_onnx`` statically quantized, calibrated on photo-like crops."""
    crops = [smooth_rgb(32, 32, seed=s).astype(np.float32).transpose(2, 0, 1)[None] / 255 for s in range(6)]
    return quantize_int8(tiny_onnx, tmp_path_factory.mktemp("int8") / "model_int8.onnx", crops)


def register(workspace: Path, files: dict[str, Path], speedup: float = 2.0) -> str:
    card = {"architecture": "layer1", "precisions": {"int8": {"kept": True, "speedup": speedup, "psnr_delta": -0.02}}}
    return ModelRegistry(LocalStore(workspace)).register("layer_1", files, card).version


def restore(client: Connection, source: Path, out: Path, **values: object) -> dict[str, object]:
    message = batch_pb2.RestoreBatchSpec(input=str(source), out=str(out), layer=1, **values)  # type: ignore[arg-type]
    job = wait_for_state(client, client.submit(jobs_pb2.JobSpec(restore_batch=message)).id, timeout=120)
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
    data: dict[str, object] = json.loads((out / "restore-summary.json").read_text(encoding="utf-8"))
    assert job.outputs["precision"] == data["precision"]
    return data


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image, dtype=np.int16)


def test_int8_runs_its_own_file(
    backend: Backend, client: Connection, tiny_onnx: Path, tiny_int8: Path, tmp_path: Path
) -> None:
    register(backend.workspace.root, {"onnx": tiny_onnx, "onnx_int8": tiny_int8})
    source = tmp_path / "in"
    write_images(source, ["a.png", "b.png"], size=(64, 80))
    fp32 = restore(client, source, tmp_path / "fp32", precision="fp32")
    int8 = restore(client, source, tmp_path / "int8", precision="INT8")
    assert (fp32["precision"], fp32["precision_reason"]) == ("fp32", "asked for")
    assert (int8["precision"], int8["precision_reason"]) == ("int8", "asked for")
    text = (tmp_path / "int8" / "restore-summary.txt").read_text(encoding="utf-8")
    assert "Precision:  int8 (asked for)" in text
    for name in ("a.png", "b.png"):
        difference = np.abs(pixels(tmp_path / "int8" / name) - pixels(tmp_path / "fp32" / name))
        assert 0 < difference.max() < 40  # the quantized network ran: close to float32, not equal to it


def test_auto_takes_int8_on_a_cpu_only_when_it_measured_faster(
    backend: Backend, client: Connection, tiny_onnx: Path, tiny_int8: Path, tmp_path: Path
) -> None:
    source = tmp_path / "in"
    write_images(source, ["a.png"])
    register(backend.workspace.root, {"onnx": tiny_onnx, "onnx_int8": tiny_int8}, speedup=1.5)
    fast = restore(client, source, tmp_path / "fast")  # precision "" = auto
    assert fast["precision"] == "int8" and fast["provider"] == "CPUExecutionProvider"
    assert fast["precision_reason"] == "auto: int8 kept (-0.020 dB) and measured 1.50x fp32 on a CPU"
    register(backend.workspace.root, {"onnx": tiny_onnx, "onnx_int8": tiny_int8}, speedup=0.8)
    slow = restore(client, source, tmp_path / "slow", precision="auto")
    assert slow["precision"] == "fp32"
    assert slow["precision_reason"] == "auto: int8 measured no faster than fp32 on a CPU (0.80x)"


def test_a_variant_the_version_lacks_is_refused_naming_it(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    version = register(backend.workspace.root, {"onnx": tiny_onnx})
    source = tmp_path / "in"
    write_images(source, ["a.png"])
    for precision in ("int8", "fp16"):
        message = batch_pb2.RestoreBatchSpec(input=str(source), out=str(tmp_path / "out"), layer=1, precision=precision)
        with pytest.raises(BackendError) as caught:
            client.submit(jobs_pb2.JobSpec(restore_batch=message))
        assert caught.value.code == "FAILED_PRECONDITION"
        assert caught.value.message.startswith(f"precision: {version} has no {precision} variant (")
        assert caught.value.message.endswith("; it has fp32")
    message = batch_pb2.RestoreBatchSpec(input=str(source), out=str(tmp_path / "out"), layer=1, precision="int4")
    with pytest.raises(BackendError) as caught:
        client.submit(jobs_pb2.JobSpec(restore_batch=message))
    assert caught.value.code == "INVALID_ARGUMENT" and caught.value.message.startswith("precision: unknown precision")
    assert not (tmp_path / "out").exists()
