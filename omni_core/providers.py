"""Execution providers by their short names, in order of preference, without importing ONNX Runtime
(the server validates ``require_provider`` at submit time)."""

from __future__ import annotations

from omni_core.errors import InvalidArgument, shown

TENSORRT = "TensorrtExecutionProvider"
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"

#: best first: the engine tries each available one and falls back to the next
PREFERENCE = (TENSORRT, CUDA, CPU)
GPU_PROVIDERS = frozenset({TENSORRT, CUDA})
SHORT_NAMES = {"tensorrt": TENSORRT, "cuda": CUDA, "cpu": CPU}


def provider_name(value: str, *, field: str = "require_provider") -> str:
    """The ONNX Runtime name of a provider given by short name ("cuda") or full name; "" stays ""."""
    if not value:
        return ""
    lowered = value.strip().lower()
    if lowered in SHORT_NAMES:
        return SHORT_NAMES[lowered]
    for name in PREFERENCE:
        if lowered == name.lower():
            return name
    raise InvalidArgument(field, f"unknown execution provider {shown(value)}; choose one of {', '.join(SHORT_NAMES)}")


def short_name(provider: str) -> str:
    for short, name in SHORT_NAMES.items():
        if name == provider:
            return short
    return provider
