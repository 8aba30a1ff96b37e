"""bench.gpu, the script a session lent a GPU runs, kept working on a machine without one: every section runs on
the CPU and its JSON holds a figure for each network, and ONNX Runtime's GPU providers are reported as not running
(their libraries are missing here) instead of being timed on the CPU they fall back to."""

from __future__ import annotations

import json
from pathlib import Path

from bench.gpu import NETWORKS, main


def test_the_gpu_bench_runs_on_a_cpu(tmp_path: Path) -> None:
    out = tmp_path / "gpu.json"
    assert (
        main(
            [
                "--device",
                "cpu",
                "--batch",
                "2",
                "--patch",
                "32",
                "--seconds",
                "0.05",
                "--sides",
                "48",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    results = json.loads(out.read_text())
    assert results["device"]["device"] == "cpu"
    assert [(row["layer"], row["preset"]) for row in results["training"]] == list(NETWORKS)
    assert all(row["fp32_images_per_s"] > 0 and row["amp_images_per_s"] > 0 for row in results["training"])
    assert all(row["fp32"]["mp_per_s"] > 0 and row["side"] == 48 for row in results["inference"])
    runs = results["onnxruntime"]["runs"]
    assert runs["cpu"]["ran_on"] == "CPUExecutionProvider" and runs["cpu"]["mp_per_s"] > 0
    assert runs["cuda"].startswith("does not run:")
