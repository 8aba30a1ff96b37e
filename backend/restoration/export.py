"""ONNX export of a restoration network, checked against PyTorch in a real ONNX Runtime session.

The graph is dynamic in batch, height and width (the networks pad internally), holds its weights inside
the one .onnx file, and only replaces ``path`` once the check passed: a failed export never destroys a
good file already there.

It uses the TorchScript exporter (``dynamo=False``): it traces the networks' shape arithmetic (the pad to
a multiple of 2**(levels-1)) into ONNX ops, so ``dynamic_axes`` is all it needs. Exported graphs pad with
reflection only, so they need H and W above half that multiple (5 px for 4 levels); eager PyTorch takes
any size.
"""

from __future__ import annotations

import contextlib
import copy
import os
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from omni_core.errors import OmniError

INPUT = "input"
OUTPUT = "output"
DYNAMIC_AXES = {name: {0: "batch", 2: "height", 3: "width"} for name in (INPUT, OUTPUT)}
DEFAULT_CHECK_SIZES: tuple[tuple[int, int], ...] = ((64, 64), (96, 80), (37, 53))
DEFAULT_TOLERANCE = 1e-3


class ExportCheckFailed(OmniError):
    """ONNX Runtime's output differs from PyTorch's by more than the tolerance (an INTERNAL error)."""


@dataclass
class ExportReport:
    path: Path
    opset: int
    max_abs_diff: float  # the largest |onnxruntime - torch| over every checked size
    seconds: float  # the whole call: trace + write + check
    sizes_checked: list[tuple[int, int]]
    export_seconds: float = 0.0  # trace + write only
    size_bytes: int = 0


def export_onnx(
    model: nn.Module,
    path: Path,
    *,
    opset: int = 17,
    check_sizes: Sequence[tuple[int, int]] = DEFAULT_CHECK_SIZES,
    tolerance: float = DEFAULT_TOLERANCE,
    in_channels: int | None = None,
) -> ExportReport:
    """Export ``model`` (N x C x H x W -> same) to ``path`` and check it on ``check_sizes`` (H, W).

    The model is copied to the CPU in eval mode, so the caller's model (device, train mode) is untouched.
    The first size is also run as a batch of two, to check the batch axis is dynamic. Raises
    ExportCheckFailed when the largest difference exceeds ``tolerance``.
    """
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import onnx  # heavy; only the export needs them
    import onnxruntime as ort

    start = time.perf_counter()
    path = Path(path)
    if not check_sizes:
        raise ValueError("check_sizes must name at least one (height, width)")
    net = copy.deepcopy(model).float().cpu().eval()
    declared = getattr(net, "in_channels", 3)  # our networks say; ``in_channels`` covers any other
    channels = in_channels or (declared if isinstance(declared, int) else 3)
    generator = torch.Generator().manual_seed(0)
    h0, w0 = check_sizes[0]
    sample = torch.rand(1, channels, h0, w0, generator=generator)

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with torch.no_grad(), _quiet_legacy_exporter():
            torch.onnx.export(
                net,
                (sample,),
                str(tmp),
                dynamo=False,
                export_params=True,
                opset_version=opset,
                do_constant_folding=True,
                input_names=[INPUT],
                output_names=[OUTPUT],
                dynamic_axes=DYNAMIC_AXES,
            )
        onnx.checker.check_model(str(tmp))
        external = [t.name for t in onnx.load(str(tmp), load_external_data=False).graph.initializer if t.data_location]
        if external:  # data_location EXTERNAL: the weights would not travel with the file
            raise ExportCheckFailed(f"{len(external)} weights were written as external data, e.g. {external[0]}")
        export_seconds = time.perf_counter() - start

        session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
        inputs = [torch.rand(1, channels, h, w, generator=generator) for h, w in check_sizes]
        inputs.append(torch.rand(2, channels, h0, w0, generator=generator))
        max_diff = 0.0
        for x in inputs:
            with torch.no_grad():
                expected = net(x).numpy()
            (got,) = session.run([OUTPUT], {INPUT: x.numpy()})
            if got.shape != expected.shape:
                raise ExportCheckFailed(f"ONNX output has shape {got.shape} for input {tuple(x.shape)}")
            max_diff = max(max_diff, float(np.max(np.abs(got - expected))))
        if not max_diff <= tolerance:
            raise ExportCheckFailed(f"ONNX Runtime differs from PyTorch by {max_diff:.3g} (tolerance {tolerance:g})")
        del session
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportReport(
        path=path,
        opset=opset,
        max_abs_diff=max_diff,
        seconds=time.perf_counter() - start,
        sizes_checked=[(int(h), int(w)) for h, w in check_sizes],
        export_seconds=export_seconds,
        size_bytes=path.stat().st_size,
    )


@contextlib.contextmanager
def _quiet_legacy_exporter() -> Iterator[None]:
    """Silence the exporter's two deprecation warnings on every call: using it is a choice (see above)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        warnings.filterwarnings("ignore", message=".*The feature will be removed.*")
        yield
