"""``omni eval --pred/--ref`` as a real job on a real server: its result comes typed in one ``evaluation``
event (an identical pair's PSNR is +inf, also after the event's round trip through the job log's JSON)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from desktop.client import Connection
from protos.omni.v1 import jobs_pb2, training_pb2
from tests.helpers import wait_for_state


def _folders(root: Path) -> tuple[Path, Path]:
    pred, ref = root / "pred", root / "ref"
    pred.mkdir()
    ref.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        clean = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        Image.fromarray(clean).save(ref / f"{name}.png")
        noisy = clean if name == "a" else np.clip(clean.astype(int) + rng.integers(-20, 21, clean.shape), 0, 255)
        Image.fromarray(noisy.astype(np.uint8)).save(pred / f"{name}.png")
    Image.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).save(pred / "lonely.png")
    return pred, ref


def test_a_folder_evaluation_is_one_typed_event(client: Connection, tmp_path: Path) -> None:
    pred, ref = _folders(tmp_path)
    job = client.submit(jobs_pb2.JobSpec(evaluate=training_pb2.EvaluateSpec(pred=str(pred), ref=str(ref))))
    final = wait_for_state(client, job.id, timeout=60)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    (typed,) = [event.evaluation for event in client.watch_job(job.id) if event.HasField("evaluation")]
    assert typed.WhichOneof("result") == "folders"
    folders = typed.folders
    scores = {image.name: image for image in folders.images}
    assert folders.count == 2 and set(scores) == {"a", "b"}
    assert math.isinf(scores["a"].psnr) and scores["a"].ssim == pytest.approx(1.0)
    assert 10 < scores["b"].psnr < 40 and scores["b"].ssim < 1
    assert folders.mean_psnr == pytest.approx(scores["b"].psnr)  # the mean of the finite ones
    assert [(s.file, s.reason) for s in folders.skipped] == [(str(pred / "lonely.png"), "no reference")]
    assert folders.report_json == final.outputs["result"]
