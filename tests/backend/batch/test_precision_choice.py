"""``auto``'s rule, device by device (the GPU side cannot run on a CPU-only machine, so it is checked here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.batch.precision import PrecisionFiles, choose
from omni_core.errors import FailedPrecondition

ALL = PrecisionFiles(
    {"fp32": Path("a.onnx"), "fp16": Path("a_fp16.onnx"), "int8": Path("a_int8.onnx")},
    {"int8": {"speedup": 1.7, "psnr_delta": -0.014}},
)
FP32_ONLY = PrecisionFiles({"fp32": Path("a.onnx")})


def test_auto_on_a_gpu_takes_fp16_when_there_is_one() -> None:
    assert choose("auto", ALL, "cuda") == ("fp16", "auto: fp16 on a GPU provider")
    assert choose("auto", FP32_ONLY, "cuda") == ("fp32", "auto: this version has no fp16 variant for the GPU")


def test_auto_on_a_cpu_takes_int8_only_when_kept_and_faster() -> None:
    assert choose("auto", ALL, "cpu") == ("int8", "auto: int8 kept (-0.014 dB) and measured 1.70x fp32 on a CPU")
    assert choose("auto", FP32_ONLY, "cpu") == ("fp32", "auto: this version has no int8 variant")
    no_figures = PrecisionFiles(ALL.paths)  # a card without figures: no evidence int8 is faster
    assert choose("auto", no_figures, "cpu") == ("fp32", "auto: int8 measured no faster than fp32 on a CPU (0.00x)")


def test_asked_for_is_taken_on_any_device_or_refused_naming_precision() -> None:
    assert choose("int8", ALL, "cuda") == ("int8", "asked for")
    assert choose("fp16", ALL, "cpu") == ("fp16", "asked for")
    with pytest.raises(FailedPrecondition) as caught:
        choose("fp16", FP32_ONLY, "cuda")
    assert caught.value.field == "precision"
