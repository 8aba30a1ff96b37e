"""ONNX export: one self-contained file, dynamic batch/height/width, equal to PyTorch in ONNX Runtime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from backend.restoration.archs import PRESETS, build_network
from backend.restoration.export import ExportCheckFailed, export_onnx


@pytest.mark.parametrize("name", ["layer1-tiny", "layer2-tiny"])
def test_export_matches_pytorch_on_dynamic_sizes(name: str, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = build_network(PRESETS[name])
    path = tmp_path / "models" / "model.onnx"

    report = export_onnx(model, path, check_sizes=((64, 64), (37, 53), (96, 80)))

    assert report.path == path and path.is_file()
    assert report.max_abs_diff < 1e-4
    assert report.sizes_checked == [(64, 64), (37, 53), (96, 80)]
    assert report.opset == 17 and report.seconds > 0 and report.size_bytes == path.stat().st_size
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["model.onnx"]  # no temp, no external data
    assert model.training  # the caller's model is left as it was

    graph = onnx.load(str(path)).graph
    dims = [
        [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in (graph.input[0], graph.output[0])
    ]
    assert dims == [["batch", 3, "height", "width"]] * 2

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = torch.rand(3, 3, 21, 30)  # a size and a batch the check did not use
    with torch.no_grad():
        expected = model.eval()(x).numpy()
    (got,) = session.run(["output"], {"input": x.numpy()})
    assert np.abs(got - expected).max() < 1e-4


def test_a_failed_check_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"the good model")
    with pytest.raises(ExportCheckFailed, match="differs from PyTorch"):
        export_onnx(build_network(PRESETS["layer1-tiny"]), path, check_sizes=((16, 16),), tolerance=-1.0)
    assert path.read_bytes() == b"the good model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]
