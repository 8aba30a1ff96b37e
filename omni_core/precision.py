"""Numeric precisions of a restoration version's ONNX export, and the rule that keeps a variant.

A version always has its float32 export (file role ``onnx``); export may add an INT8 (static quantization,
for CPUs) and an FP16 (for GPUs) variant, each kept only when it costs at most ``MAX_PSNR_DROP_DB`` of PSNR
on the version's held-out crops (backend/restoration/quantize.py measures it; the card says why not).
"""

from __future__ import annotations

AUTO = "auto"
FP32 = "fp32"
FP16 = "fp16"
INT8 = "int8"
#: what ``--precision`` accepts; auto = fp16 on a GPU provider, int8 on a CPU when kept and measured faster
PRECISIONS = (AUTO, FP32, FP16, INT8)
#: the model-file role that holds each precision
ROLES = {FP32: "onnx", FP16: "onnx_fp16", INT8: "onnx_int8"}
#: a variant whose PSNR on the held-out crops is this much (dB) below the float32 export's is not kept
MAX_PSNR_DROP_DB = 0.1
