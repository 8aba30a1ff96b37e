"""model.tar.gz for a SageMaker endpoint: a registered detector's ONNX export, its serving settings, and
``code/`` with the inference handler and the code it runs (this project's own detector), as the SageMaker
PyTorch inference container expects (``code/inference.py``, ``code/requirements.txt``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from backend.cloud.sagemaker.inference import MODEL_FILE, SERVING_FILE
from backend.cloud.sagemaker.source import package_files, reproducible_targz

HANDLER_SHIM = (
    '"""The endpoint\'s handler: this project\'s detector (backend.cloud.sagemaker.inference)."""\n'
    "from backend.cloud.sagemaker.inference import input_fn, model_fn, output_fn, predict_fn\n\n"
    '__all__ = ["input_fn", "model_fn", "output_fn", "predict_fn"]\n'
)
#: what the PyTorch inference image lacks for the handler, at this backend's versions
SERVING_REQUIREMENTS = ("onnxruntime",)


@dataclass(frozen=True)
class ModelArchive:
    data: bytes
    sha256: str
    files: tuple[str, ...]


def serving_requirements() -> str:
    lines = []
    for name in SERVING_REQUIREMENTS:
        try:
            lines.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:  # onnxruntime-gpu provides the same module
            lines.append(f"{name}=={metadata.version(name + '-gpu')}")
    return "\n".join(lines) + "\n"


def build_model_archive(onnx: Path, settings: dict[str, object], root: Path | None = None) -> ModelArchive:
    root = root or Path(__file__).resolve().parents[3]
    members = [
        (MODEL_FILE, onnx.read_bytes()),
        (SERVING_FILE, json.dumps(settings, indent=2, sort_keys=True).encode()),
        ("code/inference.py", HANDLER_SHIM.encode()),
        ("code/requirements.txt", serving_requirements().encode()),
    ]
    members += [(f"code/{name}", path.read_bytes()) for name, path in package_files(root)]
    data = reproducible_targz(members)
    return ModelArchive(data=data, sha256=hashlib.sha256(data).hexdigest(), files=tuple(name for name, _ in members))
