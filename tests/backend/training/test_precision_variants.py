"""A training job's export adds INT8 and FP16 variants, judged on the run's held-out pairs; a restore job then
runs the variant it is asked for. Real server, worker processes and ONNX Runtime; a tiny model, a few steps."""

from __future__ import annotations

import json
from pathlib import Path

import onnxruntime as ort

from backend.registry import ModelRegistry
from backend.rpc.server import Backend
from backend.storage import LocalStore
from desktop.client import Connection
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.training.test_training_job import train_spec
from tests.helpers import wait_for_state

SUCCEEDED = jobs_pb2.JOB_STATE_SUCCEEDED


def test_export_adds_measured_variants_and_restore_runs_the_one_asked_for(
    backend: Backend, client: Connection, pairs_dir: Path, tmp_path: Path
) -> None:
    job = wait_for_state(client, client.submit(train_spec(pairs_dir, layer=1, epochs=1)).id, timeout=240)
    assert job.state == SUCCEEDED, job.message
    model = ModelRegistry(LocalStore(backend.workspace.root)).get(job.outputs["model_version"])
    section = model.card["precisions"]
    assert section["held_out_crops"] == 3 and section["calibration_crops"] == 32
    assert section["threshold_psnr_drop_db"] == 0.1
    fp32 = section["fp32"]
    assert fp32["mp_per_s"] > 0 and 0 < fp32["psnr"] < 100
    for precision, role in (("int8", "onnx_int8"), ("fp16", "onnx_fp16")):
        entry = section[precision]
        assert entry["psnr"] - fp32["psnr"] == entry["psnr_delta"]
        assert entry["mp_per_s"] > 0 and entry["speedup"] > 0
        assert entry["kept"] == (-entry["psnr_delta"] <= 0.1) == (role in model.files)
        if entry["kept"]:
            ort.InferenceSession(str(LocalStore(backend.workspace.root).path_of(model.files[role])))
        else:
            assert entry["why"].startswith("PSNR ") and "below fp32" in entry["why"]
    assert abs(section["fp16"]["psnr_delta"]) < 0.01 and "onnx_fp16" in model.files
    log = [e.log.message for e in client.watch_job(job.id) if e.WhichOneof("payload") == "log"]
    assert any(line.startswith("fp16: PSNR ") and line.endswith("kept") for line in log)

    # restore with the fp16 variant (kept by any training) and say so
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "a.png").write_bytes(
        (pairs_dir / "degraded" / sorted(p.name for p in (pairs_dir / "degraded").iterdir())[0]).read_bytes()
    )
    message = batch_pb2.RestoreBatchSpec(input=str(source), out=str(out), model=model.version, precision="fp16")
    restored = wait_for_state(client, client.submit(jobs_pb2.JobSpec(restore_batch=message)).id, timeout=120)
    assert restored.state == SUCCEEDED, restored.message
    summary = json.loads((out / "restore-summary.json").read_text(encoding="utf-8"))
    assert (summary["precision"], summary["precision_reason"]) == ("fp16", "asked for")
