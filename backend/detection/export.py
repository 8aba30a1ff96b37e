"""ONNX export of a YOLO detector through Ultralytics, checked against PyTorch in a real ONNX Runtime session.

Static input (1 x 3 x imgsz x imgsz, what the letterbox makes), opset 17, no simplifier (onnxslim would be
a download). The raw head output of ONNX Runtime is compared with the PyTorch model's on a random image;
the export only replaces ``target`` once that check passed. Worker processes only.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from omni_core.errors import OmniError

OPSET = 17
BOX_TOLERANCE = 0.05  # pixels of the model input
SCORE_TOLERANCE = 1e-3


class ExportCheckFailed(OmniError):
    """ONNX Runtime's output differs from PyTorch's by more than the tolerance (an INTERNAL error)."""


@dataclass
class DetectorExport:
    path: Path
    imgsz: int
    opset: int
    max_abs_diff_boxes: float
    max_abs_diff_scores: float
    seconds: float
    size_bytes: int


def export_detector(weights: Path, target: Path, imgsz: int) -> DetectorExport:
    import onnxruntime as ort
    import torch
    from ultralytics import YOLO
    from ultralytics.nn.tasks import load_checkpoint

    started = time.perf_counter()
    with warnings.catch_warnings():  # the TorchScript exporter's deprecation and tracer notes, on every export
        warnings.simplefilter("ignore")
        written = Path(
            YOLO(str(weights)).export(
                format="onnx",
                imgsz=imgsz,
                opset=OPSET,
                simplify=False,
                dynamic=False,
                half=False,
                batch=1,
                device="cpu",
            )
        )
    try:
        model, _ = load_checkpoint(str(weights), device=torch.device("cpu"), fuse=True)
        model.eval()
        sample = torch.rand(1, 3, imgsz, imgsz, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            output = model(sample)
        expected = (output[0] if isinstance(output, list | tuple) else output).float().numpy()
        session = ort.InferenceSession(str(written), providers=["CPUExecutionProvider"])
        (got,) = session.run(None, {session.get_inputs()[0].name: sample.numpy()})[:1]
        if got.shape != expected.shape:
            raise ExportCheckFailed(f"ONNX output has shape {got.shape}, PyTorch {expected.shape}")
        boxes = float(np.max(np.abs(got[:, :4] - expected[:, :4])))
        scores = float(np.max(np.abs(got[:, 4:] - expected[:, 4:]))) if got.shape[1] > 4 else 0.0
        if not (boxes <= BOX_TOLERANCE and scores <= SCORE_TOLERANCE):
            raise ExportCheckFailed(
                f"ONNX Runtime differs from PyTorch by {boxes:.3g} px in boxes and {scores:.3g} in scores "
                f"(tolerances {BOX_TOLERANCE:g} px, {SCORE_TOLERANCE:g})"
            )
        del session
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(written, target)
    finally:
        if written.resolve() != Path(target).resolve():
            written.unlink(missing_ok=True)
    return DetectorExport(
        path=target,
        imgsz=imgsz,
        opset=OPSET,
        max_abs_diff_boxes=boxes,
        max_abs_diff_scores=scores,
        seconds=time.perf_counter() - started,
        size_bytes=target.stat().st_size,
    )
