"""The frontier's plot and JSON, on made-up points (the measuring is the bench's own run)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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
