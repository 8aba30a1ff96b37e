"""The frontier's plot and JSON, on made-up points (the measuring is the bench's own run)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.frontier import Point, frontier_figure, write_frontier

POINTS = [
    Point("v1", "layer_1-mini", "fast", "fp32", 26.7, 0.81, 3.4),
    Point("v1", "layer_1-mini", "fast", "int8", 26.6, 0.80, 5.1),
    Point("v2", "layer_2-small", "quality", "fp32", 27.9, 0.85, 0.115),
    Point("v2", "layer_2-small", "quality", "fp16", 27.9, 0.85, 0.09),
]


def test_the_figure_holds_each_point_in_its_precision_series_on_a_log_axis() -> None:
    figure = frontier_figure(POINTS)
    (axes,) = figure.axes
    assert axes.get_xscale() == "log" and axes.get_yscale() == "linear"
    series = {label: handle for handle, label in zip(*axes.get_legend_handles_labels(), strict=True)}
    assert sorted(series) == ["fp16", "fp32", "int8"]
    offsets = {label: handle.get_offsets().tolist() for label, handle in series.items()}
    assert offsets == {"fp32": [[3.4, 26.7], [0.115, 27.9]], "int8": [[5.1, 26.6]], "fp16": [[0.09, 27.9]]}
    labels = sorted(text.get_text() for text in axes.texts)
    assert labels == sorted(p.label for p in POINTS) and "layer_1-mini/fast/int8" in labels


def test_write_puts_the_png_beside_the_json(tmp_path: Path) -> None:
    json_path = tmp_path / "bench" / "restoration.json"
    png = write_frontier(POINTS, json_path, {"settings": {"preset": ["mini"]}})
    assert png == tmp_path / "bench" / "restoration-frontier.png"
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["frontier_plot"] == png.name and data["settings"] == {"preset": ["mini"]}
    assert [(p["precision"], p["mp_per_s"]) for p in data["frontier"]] == [(p.precision, p.mp_per_s) for p in POINTS]
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size == (800, 500)
        pixels = np.asarray(image.convert("L"))
    assert pixels.min() < 100 and pixels.max() > 200  # something drawn on a light background


def test_a_version_gives_one_measured_point_per_precision_it_has(tmp_path: Path) -> None:
    import torch

    from backend.registry import ModelRegistry
    from backend.restoration.archs import PRESETS, build_network
    from backend.restoration.export import export_onnx
    from backend.restoration.quantize import quantize_int8
    from backend.storage import LocalStore
    from bench.frontier import version_points

    torch.manual_seed(0)
    fp32 = export_onnx(build_network(PRESETS["layer1-tiny"]), tmp_path / "model.onnx", check_sizes=((32, 32),)).path
    rng = np.random.default_rng(0)
    crops = [rng.random((1, 3, 32, 32), dtype=np.float32) for _ in range(4)]
    int8 = quantize_int8(fp32, tmp_path / "model_int8.onnx", crops)
    card = {"preset": "tiny", "tier": "fast"}
    version = ModelRegistry(LocalStore(tmp_path / "ws")).register("layer_1", {"onnx": fp32, "onnx_int8": int8}, card)
    clean = (rng.random((48, 40, 3)) * 255).astype(np.uint8)
    pairs = [(clean, np.clip(clean.astype(int) + rng.integers(-20, 20, clean.shape), 0, 255).astype(np.uint8))]

    points = version_points(tmp_path / "ws" / "models" / "layer_1" / version.version, pairs, side=64)

    assert [(p.precision, p.preset, p.tier, p.version) for p in points] == [
        ("fp32", "layer_1-tiny", "fast", version.version),
        ("int8", "layer_1-tiny", "fast", version.version),
    ]
    assert all(p.mp_per_s > 0 and 0 < p.psnr < 100 and -1 <= p.ssim <= 1 for p in points)
    assert points[0].psnr != points[1].psnr  # each precision's own file was scored


def test_the_paired_gap_is_the_mean_difference_with_its_interval() -> None:
    from bench.frontier import paired_gap

    better = [30.0, 28.0, 26.0, 31.0]
    worse = [29.0, 28.5, 24.0, 30.5]  # differences 1.0, -0.5, 2.0, 0.5
    gap = paired_gap(better, worse)
    differences = np.array([1.0, -0.5, 2.0, 0.5])
    assert gap.images == 4 and abs(gap.mean_db - 0.75) < 1e-12
    assert abs(gap.half_width_db - 1.96 * differences.std(ddof=1) / 2.0) < 1e-12
    assert gap.describe() == f"0.75 +- {gap.half_width_db:.2f} dB (95%, 4 images)"
    same = paired_gap([27.0, 25.0, 29.0], [26.0, 24.0, 28.0])  # one model 1 dB better on every image: no doubt
    assert same.mean_db == 1.0 and same.half_width_db == 0.0
    with pytest.raises(ValueError, match="two equal lists"):
        paired_gap([1.0, 2.0], [1.0])
