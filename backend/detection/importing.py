"""``omni models import PATH.pt --kind detector``: a YOLO detector from elsewhere into the registry.

The server reads the file's pickle without running it (``probe``) and refuses anything that is not an
Ultralytics detection model, with the reason. A spawned process (torch and Ultralytics never load in the
server) then loads it, exports and checks the ONNX file, and reports what the model card needs; the
server registers ``detector_<UTC timestamp>`` with the weights, the export and the card.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from backend.detection.models import LAYER, resolve_user_file
from backend.detection.probe import require_detector
from backend.registry import ModelRegistry, ModelVersion
from backend.workspace import Workspace
from omni_core.confinement import check_text
from omni_core.errors import InvalidArgument, OmniError, shown

KINDS = ("detector",)
MAX_UPLOAD_BYTES = 60 * 1024 * 1024
IMPORT_TIMEOUT_S = 600.0


def check_and_export(weights: str, out_dir: str, workspace_root: str) -> dict[str, Any]:
    """In a spawned process: load the detector, export and check its ONNX; what the card needs."""
    from backend.detection import netguard, ultralytics_env

    netguard.install_from_env()
    ultralytics_env.prepare(Path(workspace_root))
    from backend.detection.checkpoint import inspect
    from backend.detection.export import export_detector
    from backend.reports.environment import environment

    info = inspect(Path(weights), "path")
    export = export_detector(Path(weights), Path(out_dir) / "model.onnx", info.imgsz)
    import ultralytics

    return {
        "architecture": info.architecture,
        "parameters": info.parameters,
        "classes": info.names,
        "imgsz": info.imgsz,
        "train_metrics": info.train_metrics,
        "onnx_path": str(export.path),
        "onnx": {
            "imgsz": export.imgsz,
            "opset": export.opset,
            "max_abs_diff_boxes": export.max_abs_diff_boxes,
            "max_abs_diff_scores": export.max_abs_diff_scores,
        },
        "environment": {**environment("cpu"), "ultralytics": str(ultralytics.__version__)},
        "network_attempts": list(netguard.attempts),
    }


def _run_isolated(weights: Path, out_dir: Path, workspace: Workspace) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(check_and_export, str(weights), str(out_dir), str(workspace.root))
        try:
            return future.result(timeout=IMPORT_TIMEOUT_S)
        except OmniError:
            raise
        except Exception as error:  # noqa: BLE001 - the isolated process's failure, told to the client
            raise InvalidArgument("path", f"{weights.name} could not be loaded and exported ({error})") from None


def _metrics(train_metrics: dict[str, float]) -> dict[str, float]:
    names = {
        "metrics/precision(B)": "precision",
        "metrics/recall(B)": "recall",
        "metrics/mAP50(B)": "map50",
        "metrics/mAP50-95(B)": "map50_95",
    }
    return {ours: float(train_metrics[theirs]) for theirs, ours in names.items() if theirs in train_metrics}


def import_detector(
    workspace: Workspace,
    *,
    path: str = "",
    data: bytes = b"",
    filename: str = "",
    kind: str = "detector",
    description: str = "",
) -> ModelVersion:
    """Register the detector at ``path`` on the backend, or sent as ``data`` (named ``filename``)."""
    if kind and kind not in KINDS:
        raise InvalidArgument("kind", f"only detectors can be imported (--kind detector), not {shown(kind)}")
    if bool(path) == bool(data):
        raise InvalidArgument("path", "give either a path on the backend or the file's bytes")
    staging = Path(tempfile.mkdtemp(prefix="import-", dir=workspace.state_dir))
    try:
        if data:
            if len(data) > MAX_UPLOAD_BYTES:
                raise InvalidArgument(
                    "data", f"at most {MAX_UPLOAD_BYTES // 2**20} MiB can be sent; copy the file to the backend"
                )
            name = Path(filename or "model.pt").name
            check_text(name, "filename")
            if not name.endswith(".pt"):
                raise InvalidArgument("filename", f"{shown(name)} is not a .pt file")
            source = staging / name
            source.write_bytes(data)
        else:
            source = resolve_user_file(workspace, path, "path")
            if source.suffix != ".pt":
                raise InvalidArgument("path", f"{source.name} is not a .pt file")
        require_detector(source, "path")
        weights = staging / "weights" / source.name
        weights.parent.mkdir()
        shutil.copyfile(source, weights)
        info = _run_isolated(weights, staging, workspace)
        registry = ModelRegistry(workspace.store)
        card = {
            "architecture": info["architecture"],
            "task": "detect",
            "parameters": info["parameters"],
            "classes": info["classes"],
            "imgsz": info["imgsz"],
            "metrics": _metrics(info["train_metrics"]),
            "source": {
                "imported_from": str(path or filename),
                "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
            },
            "description": description,
            "parent_version": "",
            "onnx": info["onnx"],
            "environment": info["environment"],
            **({"network_attempts": info["network_attempts"]} if info.get("network_attempts") else {}),
        }
        return registry.register(LAYER, {"weights": weights, "onnx": Path(info["onnx_path"])}, card)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
