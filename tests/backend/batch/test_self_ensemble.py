"""``self_ensemble`` of a batch restoration, on a real server, worker and ONNX Runtime session: each image is
the mean of the network over its eight flips and turns, in a job and in a stream alike, and the summary says so."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from backend.rpc.server import Backend
from desktop.client import Connection
from omni_core.batch.params import RestoreOptions
from omni_core.batch.remote import RemoteRestore, restore_remote
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import register, write_images
from tests.helpers import wait_for_state


def restore_job(client: Connection, source: Path, out: Path, **values: object) -> dict[str, object]:
    message = batch_pb2.RestoreBatchSpec(input=str(source), out=str(out), layer=1, tile=-1, **values)  # type: ignore[arg-type]
    job = wait_for_state(client, client.submit(jobs_pb2.JobSpec(restore_batch=message)).id, timeout=120)
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
    summary: dict[str, object] = json.loads((out / "restore-summary.json").read_text(encoding="utf-8"))
    return summary


def by_hand(onnx: Path, image: np.ndarray) -> np.ndarray:
    """The eight views of the whole image through ONNX Runtime, turned back and averaged, rounded to uint8."""
    session = ort.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
    source = image.astype(np.float32).transpose(2, 0, 1)[None] / 255
    total = np.zeros_like(source)
    for turns in range(4):
        for mirrored in (False, True):
            view = np.rot90(source, turns, axes=(2, 3))
            view = np.ascontiguousarray(view[..., ::-1] if mirrored else view)
            output = np.clip(session.run(None, {session.get_inputs()[0].name: view})[0], 0, 1)
            total += np.rot90(output[..., ::-1] if mirrored else output, -turns, axes=(2, 3))
    return (np.clip(total[0] / 8, 0, 1).transpose(1, 2, 0) * 255 + 0.5).astype(np.uint8)


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image)


def test_a_self_ensembled_run_is_the_mean_of_the_eight_views_in_a_job_and_a_stream(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    register(backend.workspace.root, tiny_onnx)
    source = tmp_path / "in"
    write_images(source, ["a.png", "b.png"], size=(40, 56))  # not square: the turned views are tall
    plain = restore_job(client, source, tmp_path / "plain")
    ensembled = restore_job(client, source, tmp_path / "ensembled", self_ensemble=True)
    assert plain["settings"]["self_ensemble"] is False  # type: ignore[index]
    assert ensembled["settings"]["self_ensemble"] is True  # type: ignore[index]
    assert "self_ensemble True" in (tmp_path / "ensembled" / "restore-summary.txt").read_text(encoding="utf-8")
    for name in ("a.png", "b.png"):
        got = pixels(tmp_path / "ensembled" / name).astype(np.int16)
        assert np.abs(got - by_hand(tiny_onnx, pixels(source / name))).max() <= 1, name
        assert np.abs(got - pixels(tmp_path / "plain" / name)).max() > 2, name  # a random network is not symmetric

    request = RemoteRestore(source, tmp_path / "streamed", RestoreOptions(layer=1, tile=-1, self_ensemble=True))
    readies: list[batch_pb2.RestoreStreamReady] = []
    restore_remote(client, request, on_ready=readies.append)
    assert [ready.self_ensemble for ready in readies] == [True]
    for name in ("a.png", "b.png"):
        assert (tmp_path / "streamed" / name).read_bytes() == (tmp_path / "ensembled" / name).read_bytes(), name
    streamed = json.loads((tmp_path / "streamed" / "restore-summary.json").read_text(encoding="utf-8"))
    assert streamed["settings"]["self_ensemble"] is True
