"""``omni restore --precision``: a real process and embedded backend, in place and streamed; the summary says
which export ran, and a variant the version lacks ends the command naming ``precision``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backend.registry import ModelRegistry
from backend.restoration.quantize import quantize_int8
from backend.storage import LocalStore
from tests.backend.batch.conftest import smooth_rgb, tiny_onnx, write_images  # noqa: F401 - tiny_onnx is a fixture
from tests.omni_cli.test_restore_cli import omni


def test_int8_in_place_and_streamed_and_a_missing_fp16(tiny_onnx: Path, tmp_path: Path) -> None:  # noqa: F811
    crops = [smooth_rgb(32, 32, seed=s).astype(np.float32).transpose(2, 0, 1)[None] / 255 for s in range(4)]
    int8 = quantize_int8(tiny_onnx, tmp_path / "model_int8.onnx", crops)
    workspace = tmp_path / "ws"
    card = {"precisions": {"fp16": {"kept": False, "why": "PSNR 0.200 dB below fp32 on the held-out crops"}}}
    version = ModelRegistry(LocalStore(workspace)).register("layer_1", {"onnx": tiny_onnx, "onnx_int8": int8}, card)
    write_images(tmp_path / "in", ["a.png"])
    for extra in ([], ["--remote"]):
        done = omni(
            "restore", str(tmp_path / "in"), str(tmp_path / f"out{len(extra)}"), "--layer", "1", "--precision",
            "int8", *extra, workspace=workspace,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "Precision:  int8 (asked for)" in done.stdout and "1 restored" in done.stdout
    missing = omni(
        "restore", str(tmp_path / "in"), str(tmp_path / "out"), "--layer", "1", "--precision", "fp16",
        workspace=workspace,
    )  # fmt: skip
    assert missing.returncode == 1
    assert (
        f"precision: {version.version} has no fp16 variant (PSNR 0.200 dB below fp32 on the held-out crops); "
        "it has fp32, int8" in missing.stderr
    )
