"""Reports: text and HTML renderings of the JSON, and recommendations read from the curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.reports.recommendations import recommend
from backend.reports.render import render
from backend.reports.store import get_report, list_reports, save_report
from backend.storage import LocalStore


def _epoch(n: int, train: float, val: float, psnr: float) -> dict[str, float]:
    return {
        "epoch": n,
        "train_loss": train,
        "val_loss": val,
        "psnr": psnr,
        "ssim": 0.8 + n / 100,
        "improved_fraction": 0.9,
        "lr": 1e-4,
        "seconds": 2.0,
        "images_per_second": 10.0,
    }


def _report(**overrides: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "id": "train_restoration_20261123_120000_abcd",
        "kind": "train_restoration",
        "title": "Training report: restoration layer 2",
        "state": "succeeded",
        "error": "",
        "job": {
            "id": "train_restoration_20261123_120000_abcd",
            "started_at": 0,
            "finished_at": 296,
            "duration_seconds": 296,
        },
        "parameters": {"layer": 2, "epochs": 3, "batch_size": 2, "lr": 1e-4, "max_pairs": 25, "loss": "charbonnier"},
        "data": {
            "files_seen": 62,
            "valid_pairs": 25,
            "clean_files": 31,
            "degraded_files": 31,
            "rejected": 12,
            "rejected_by_reason": {"unpaired": 12},
            "train_pairs": 22,
            "val_pairs": 3,
        },
        "epochs": [_epoch(1, 0.09, 0.08, 28.4), _epoch(2, 0.05, 0.05, 30.0), _epoch(3, 0.03, 0.04, 32.2)],
        "steps": [[1, 0.1], [2, 0.09], [3, 0.05]],
        "baseline": {"psnr": 25.0, "ssim": 0.7},
        "improvement": {
            "psnr_change": 3.8,
            "psnr_vs_input": 7.2,
            "ssim_change": 0.02,
            "ssim_vs_input": 0.13,
            "loss_first": 0.09,
            "loss_last": 0.03,
            "loss_change_pct": -66.7,
            "psnr_first": 28.4,
            "psnr_last": 32.2,
            "ssim_first": 0.81,
            "ssim_last": 0.83,
        },
        "model": {
            "version": "restoration_layer2_20261123_120456",
            "architecture": "restormer",
            "preset": "tiny",
            "parameters": 25042,
            "weights_key": "models/layer_2/v/model.pt",
            "weights_bytes": 102_615,
            "onnx_key": "models/layer_2/v/model.onnx",
            "onnx_bytes": 130_000,
            "onnx_max_abs_diff": 2e-6,
        },
        "comparison": {
            "previous_version": "restoration_layer2_20261120_090000",
            "psnr_change": 1.23,
            "ssim_change": 0.043,
        },
        "environment": {
            "python": "3.11.7",
            "torch": "2.14.1",
            "device": "cpu",
            "cuda_available": False,
            "peak_memory_bytes": 2_100_000_000,
            "cpu_count": 2,
            "hostname": "h",
        },
    }
    report.update(overrides)
    report["recommendations"] = recommend(report)
    return report


def test_text_report_has_the_sections_operators_know() -> None:
    text = render(_report(), "text")
    for expected in (
        "REPORTE DE ENTRENAMIENTO LAYER 2 / TRAINING REPORT",
        "Duration: 4 min 56 s   State: SUCCEEDED",
        "Epochs: 3  Batch size: 2  Learning rate: 0.0001  Max pairs: 25  Optimizer: AdamW",
        "Files processed: 62  Valid pairs: 25  Clean: 31  Degraded: 31",
        "Epoch 1: Loss=0.0900",
        "Epoch 3: Loss=0.0300",
        "Size: 100.21 KB  Parameters: ~25,042",
        "PSNR change: +1.23 dB  SSIM change: +0.043",
        "CUDA available: No",
        "RECOMMENDATIONS",
    ):
        assert expected in text, expected


def test_recommendations_follow_the_curves() -> None:
    improving = _report()["recommendations"]
    assert any("Still improving" in item for item in improving)
    assert any("Only 25 valid pairs" in item for item in improving)
    assert any("CPU" in item for item in improving)
    assert any("12 files were rejected" in item for item in improving)
    overfit = _report(
        epochs=[
            _epoch(1, 0.09, 0.05, 30),
            _epoch(2, 0.05, 0.04, 31),
            _epoch(3, 0.03, 0.06, 30.5),
            _epoch(4, 0.02, 0.07, 30.2),
        ]
    )["recommendations"]
    assert any("Over-fitting" in item and "epoch 2" in item for item in overfit)
    assert not any("Still improving" in item for item in overfit)
    diverged = _report(state="failed", error="the loss became nan at epoch 1, step 3", epochs=[])["recommendations"]
    assert any("learning rate" in item for item in diverged)
    worse = _report(comparison={"previous_version": "p", "psnr_change": -0.5, "ssim_change": -0.01})["recommendations"]
    assert any("worse than p" in item for item in worse)


def test_saved_report_lists_and_renders_in_every_format(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    report = _report()
    keys = save_report(store, report)
    assert set(keys) == {"json", "text", "html"}
    html = get_report(store, report["id"], "html")
    assert html.startswith("<!doctype html>")
    assert html.count("data:image/png;base64,") == 3  # loss, PSNR, SSIM curves
    assert "Over-fitting" not in html
    assert '"psnr": 32.2' in get_report(store, report["id"], "json")
    assert "TRAINING REPORT" in get_report(store, report["id"], "text")
    [summary] = list_reports(store)
    assert summary.model_version == "restoration_layer2_20261123_120456"
    assert summary.state == "succeeded"
