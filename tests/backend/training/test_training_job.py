"""Restoration training as a real job: worker process, metric events, checkpoints, resume, registry,
report, and metrics that agree with scikit-image. Tiny data made here, a few steps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from backend.rpc.server import Backend
from backend.webhooks.signature import verify
from desktop.client import BackendError, Connection
from protos.omni.v1 import jobs_pb2, training_pb2
from tests.backend.webhooks.receiver import Receiver
from tests.helpers import restoration_spec, wait_for_state

SUCCEEDED = jobs_pb2.JOB_STATE_SUCCEEDED
EPOCH_METRICS = {"train/loss", "val/loss", "val/psnr", "val/ssim", "val/improved_fraction"}


def train_spec(data_dir: Path, **overrides: object) -> jobs_pb2.JobSpec:
    values: dict[str, object] = {
        "data": str(data_dir),
        "layer": 1,
        "epochs": 2,
        "batch_size": 4,
        "lr": 2e-3,
        "patch": 32,
        "val_split": 0.25,
        "preset": "tiny",
        "device": "cpu",
        "seed": 7,
        "num_workers": -1,
    }
    values.update(overrides)
    return jobs_pb2.JobSpec(train_restoration=training_pb2.TrainRestorationSpec(**values))  # type: ignore[arg-type]


def epoch_metrics(client: Connection, job_id: str) -> dict[int, dict[str, float]]:
    metrics: dict[int, dict[str, float]] = {}
    for event in client.watch_job(job_id):
        if event.WhichOneof("payload") == "metric" and event.metric.name in EPOCH_METRICS:
            metrics.setdefault(event.metric.epoch, {})[event.metric.name] = event.metric.value
    return metrics


def test_training_job_end_to_end(backend: Backend, client: Connection, pairs_dir: Path) -> None:
    job = client.submit(train_spec(pairs_dir, layer=1))
    final = wait_for_state(client, job.id, timeout=240)
    assert final.state == SUCCEEDED, final.message
    events = list(client.watch_job(job.id))
    metrics = epoch_metrics(client, job.id)
    assert set(metrics) == {1, 2}
    assert all(set(values) >= EPOCH_METRICS for values in metrics.values())
    steps = [e.metric for e in events if e.WhichOneof("payload") == "metric" and e.metric.name == "train/loss_step"]
    assert len(steps) >= 2
    progress = [e.progress for e in events if e.WhichOneof("payload") == "progress" and e.progress.unit == "steps"]
    assert progress[-1].done == progress[-1].total > 0
    assert any(p.eta_seconds >= 0 for p in progress[:-1]) or len(progress) <= 2

    version = final.outputs["model_version"]
    assert version.startswith("restoration_layer1_")
    model = client.get_model(version)
    best = max(metrics, key=lambda epoch: metrics[epoch]["val/psnr"])  # the epoch registered
    assert model.metrics["psnr"] == pytest.approx(metrics[best]["val/psnr"])
    assert {"weights", "onnx"} <= set(model.files) <= {"weights", "onnx", "onnx_int8", "onnx_fp16"}  # + kept variants
    card = json.loads(model.card_json)
    assert card["parameters"] > 0 and card["onnx_max_abs_diff"] < 1e-4
    assert card["memory"]["multiple"] > 1 and card["memory"]["bytes_per_pixel"] > 0  # so no run probes the file
    assert card["data_fingerprint"] and card["environment"]["torch"] and card["registered_epoch"] == best

    text = client.get_report(job.id, "text")
    assert "TRAINING REPORT" in text and "State: SUCCEEDED" in text and version in text
    assert client.get_report(job.id, "html").count("data:image/png;base64,") == 3
    report = json.loads(client.get_report(job.id, "json"))
    assert report["data"]["valid_pairs"] == 12
    assert report["data"]["val_pairs"] == 3
    assert len(report["epochs"]) == 2
    # scored on the held-out real images too, next to the degraded input and non-local means
    real = report["real_images"]["domains"]
    assert set(real) == {"photo", "document"} and real["photo"]["count"] == 12
    assert {"input", "nlm", "model"} <= set(real["photo"])
    assert "REAL IMAGES (HELD OUT)" in text

    # the reported validation PSNR/SSIM agree with scikit-image on the same images and outputs
    _check_metrics_against_skimage(backend, version, pairs_dir, report)


def _check_metrics_against_skimage(backend: Backend, version: str, data: Path, report: dict[str, object]) -> None:
    import torch

    from backend.restoration.archs import build_network, config_from_dict
    from backend.restoration.datasets import split_pairs
    from backend.restoration.pairs import load_rgb, scan_pairs
    from backend.restoration.tiling import tiled_forward

    store = backend.workspace.store
    checkpoint = torch.load(store.path_of(f"models/layer_1/{version}/model.pt"), weights_only=False)
    network = build_network(config_from_dict(checkpoint["config"]))
    network.load_state_dict(checkpoint["state_dict"])
    network.eval()
    _, val = split_pairs(scan_pairs(data).pairs, 0.25, 7)
    psnrs, ssims = [], []
    for clean_path, degraded_path in val:
        clean = load_rgb(clean_path).astype(np.float64) / 255
        source = torch.from_numpy(load_rgb(degraded_path).transpose(2, 0, 1).copy()).float()[None] / 255
        output = tiled_forward(network, source).clamp(0, 1)[0].permute(1, 2, 0).double().numpy()
        psnrs.append(peak_signal_noise_ratio(clean, output, data_range=1.0))
        ssims.append(structural_similarity(clean, output, data_range=1.0, channel_axis=-1))
    registered = report["epochs"][report["improvement"]["registered_epoch"] - 1]  # type: ignore[index]
    assert registered["psnr"] == pytest.approx(np.mean(psnrs), abs=1e-3)
    assert registered["ssim"] == pytest.approx(np.mean(ssims), abs=1e-3)


def test_resume_gives_the_same_result_as_an_uninterrupted_run(client: Connection, pairs_dir: Path) -> None:
    spec = train_spec(pairs_dir, layer=2, epochs=3, batch_size=3, patch=32)
    whole = client.submit(spec)
    assert wait_for_state(client, whole.id, timeout=300).state == SUCCEEDED
    interrupted = client.submit(spec)
    for event in client.follow_job(interrupted.id):  # cancel as soon as epoch 1 is validated
        if event.WhichOneof("payload") == "metric" and event.metric.name == "val/psnr" and event.metric.epoch == 1:
            client.cancel_job(interrupted.id)
    cancelled = client.get_job(interrupted.id)
    assert cancelled.state == jobs_pb2.JOB_STATE_CANCELLED
    assert cancelled.resumable
    assert "State: CANCELLED" in client.get_report(interrupted.id, "text")
    resumed = client.resume_job(interrupted.id)
    assert wait_for_state(client, resumed.id, timeout=300).state == SUCCEEDED
    expected, got = epoch_metrics(client, whole.id), epoch_metrics(client, resumed.id)
    assert set(got) == {1, 2, 3}  # the resumed job's log carries the whole curve
    for epoch in (1, 2, 3):
        for name in EPOCH_METRICS:
            assert got[epoch][name] == pytest.approx(expected[epoch][name], rel=1e-4, abs=1e-5), (epoch, name)


def test_bad_data_fails_fast_with_a_report(client: Connection, tmp_path: Path) -> None:
    (tmp_path / "clean").mkdir()
    (tmp_path / "degraded").mkdir()
    (tmp_path / "clean" / "a.png").write_bytes(b"not a png")
    (tmp_path / "degraded" / "a.png").write_bytes(b"")
    job = client.submit(train_spec(tmp_path))
    final = wait_for_state(client, job.id, timeout=120)
    assert final.state == jobs_pb2.JOB_STATE_FAILED
    assert "no valid pairs" in final.message
    report = json.loads(client.get_report(job.id, "json"))
    assert report["state"] == "failed"
    assert report["data"]["rejected"] == 1


def test_bad_parameters_are_refused_before_queueing(client: Connection, pairs_dir: Path, tmp_path: Path) -> None:
    for overrides, field in (
        ({"layer": 3}, "layer"),
        ({"preset": "huge"}, "preset"),
        ({"epochs": -1}, "epochs"),
        ({"data": str(tmp_path / "nope")}, "data"),
        ({"val_split": 1.5}, "val_split"),
    ):
        with pytest.raises(BackendError) as caught:
            client.submit(train_spec(pairs_dir, **overrides))
        assert caught.value.code == "INVALID_ARGUMENT"
        assert caught.value.message.startswith(f"{field}:"), caught.value.message
    assert client.list_jobs(kinds=["train_restoration"]) == []


def test_models_promote_delete_and_eval(client: Connection, pairs_dir: Path, tmp_path: Path) -> None:
    with Receiver() as receiver:  # webhooks announce each trained version once, and the promotion
        hook = client.add_webhook(receiver.url, ["model.registered", "model.promoted"])
        first = wait_for_state(client, client.submit(train_spec(pairs_dir, epochs=1)).id, timeout=240)
        second = wait_for_state(client, client.submit(train_spec(pairs_dir, epochs=1, seed=8)).id, timeout=240)
        a, b = first.outputs["model_version"], second.outputs["model_version"]
        assert json.loads(client.get_model(b).card_json)["parent_version"] == a
        client.promote_model(a)
        _check_model_webhooks(receiver, hook.secret, {a: first.id, b: second.id}, promoted=a)
    with pytest.raises(BackendError) as caught:
        client.delete_model(a)
    assert caught.value.code == "FAILED_PRECONDITION"
    comparison = client.compare_models(a, b)
    psnr = next(m for m in comparison.metrics if m.name == "psnr")
    assert psnr.change == pytest.approx(psnr.b - psnr.a)
    client.delete_model(b)
    assert [m.version for m in client.list_models(layer="layer_1")] == [a]
    # omni eval on the pairs themselves: same images give infinite PSNR and SSIM 1
    evaluation = client.submit(
        jobs_pb2.JobSpec(
            evaluate=training_pb2.EvaluateSpec(pred=str(pairs_dir / "clean"), ref=str(pairs_dir / "clean"))
        )
    )
    done = wait_for_state(client, evaluation.id)
    result = json.loads(client.get_artifact_text(done.outputs["result"]))
    assert result["count"] == 12 and result["mean_ssim"] == pytest.approx(1.0) and result["mean_psnr"] is None
    # degraded vs clean: the same figures as scikit-image
    evaluation = client.submit(
        jobs_pb2.JobSpec(
            evaluate=training_pb2.EvaluateSpec(pred=str(pairs_dir / "degraded"), ref=str(pairs_dir / "clean"))
        )
    )
    result = json.loads(client.get_artifact_text(wait_for_state(client, evaluation.id).outputs["result"]))
    from backend.restoration.pairs import load_rgb

    row = result["images"][0]
    clean = load_rgb(pairs_dir / "clean" / f"{row['name']}.png") / 255.0
    degraded = load_rgb(pairs_dir / "degraded" / f"{row['name']}.png") / 255.0
    assert row["psnr"] == pytest.approx(peak_signal_noise_ratio(clean, degraded, data_range=1.0), abs=1e-6)
    assert row["ssim"] == pytest.approx(
        structural_similarity(clean, degraded, data_range=1.0, channel_axis=-1), abs=1e-4
    )


def _check_model_webhooks(receiver: Receiver, secret: str, jobs: dict[str, str], promoted: str) -> None:
    """A run reports its version twice (an artifact output and its result): model.registered comes once."""
    registered = receiver.wait("model.registered", count=len(jobs))
    (promotion,) = receiver.wait("model.promoted")
    for item in (*registered, promotion):
        verify(secret, item.headers, item.body)
    models = [item.json["data"]["model"] for item in registered]
    assert {model["version"]: model["jobId"] for model in models} == jobs
    assert all(model["layer"] == "layer_1" and "psnr" in model["metrics"] for model in models)
    assert promotion.json["data"]["model"]["version"] == promoted and promotion.json["data"]["model"]["current"]


def test_a_synth_then_train_chain_uses_relative_workspace_paths(client: Connection) -> None:
    synth = client.submit(restoration_spec("training-data/chain", count=6))
    assert wait_for_state(client, synth.id).state == SUCCEEDED
    job = client.submit(train_spec(Path("training-data/chain"), epochs=1))
    assert wait_for_state(client, job.id, timeout=240).state == SUCCEEDED
