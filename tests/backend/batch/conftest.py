"""Batch restoration fixtures: a tiny exported restoration model (once per session), registered into a
workspace in milliseconds, and images of every kind written with Pillow."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


@pytest.fixture(scope="session")
def tiny_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Layer 1 "tiny" (36k parameters), randomly initialised with a fixed seed and exported to ONNX."""
    import torch

    from backend.restoration.archs import build_network, preset_for
    from backend.restoration.export import export_onnx

    torch.manual_seed(0)
    network = build_network(preset_for(1, "tiny")).eval()
    path = tmp_path_factory.mktemp("model") / "model.onnx"
    export_onnx(network, path, check_sizes=((32, 32),))
    return path


def register(workspace: Path, onnx: Path, layer: str = "layer_1") -> str:
    """Register ``onnx`` as a new version of ``layer`` in the workspace's registry; returns the version."""
    from backend.registry import ModelRegistry
    from backend.storage import LocalStore

    files = {"onnx": onnx} if layer != "detector" else {"weights": onnx}
    return ModelRegistry(LocalStore(workspace)).register(layer, files, {"architecture": "layer1"}).version


def smooth_rgb(height: int, width: int, seed: int = 0, channels: int = 3) -> np.ndarray:
    """A photo-like image (blurred noise): what a network sees, unlike white noise."""
    rng = np.random.default_rng(seed)
    noise = (rng.random((height, width, 3)) * 255).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(noise).filter(ImageFilter.GaussianBlur(3)))
    return smooth[:, :, 0].copy() if channels == 1 else smooth


def write_images(folder: Path, names: list[str], size: tuple[int, int] = (48, 64)) -> list[Path]:
    """Small RGB PNG/JPEG images (by extension) under ``folder``; subfolders are created."""
    paths = []
    for index, name in enumerate(names):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(smooth_rgb(*size, seed=index)).save(path)
        paths.append(path)
    return paths
