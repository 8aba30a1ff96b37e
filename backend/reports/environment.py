"""The environment section of a report: interpreter, PyTorch, device, peak memory."""

from __future__ import annotations

import os
import platform
import resource
import socket
from typing import Any


def peak_memory_bytes() -> int:
    """Peak resident memory of this process (and, on CUDA, the peak the GPU allocator held)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return max(peak, children)


def environment(device: str) -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "device": device,
        "cuda_available": torch.cuda.is_available(),
        "cpu_count": os.cpu_count(),
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "peak_memory_bytes": peak_memory_bytes(),
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_peak_memory_bytes"] = torch.cuda.max_memory_allocated()
    return info
