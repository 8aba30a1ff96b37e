"""Register a finished run's files as a model version and tell its job (artifact events, the output)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.jobs.context import JobContext
from backend.registry.registry import ModelRegistry


def publish_version(
    registry: ModelRegistry, layer: str, files: dict[str, Path], card: dict[str, Any], ctx: JobContext
) -> dict[str, Any]:
    """Register ``files`` (roles "weights" and "onnx") with ``card`` as a new version of ``layer``; emit one
    artifact event per file and set the job's ``model_version`` output.

    Returns the report's fields about the new version: its name, file keys and sizes."""
    version = registry.register(layer, files, card)
    for role, key in version.files.items():
        ctx.artifact(
            key,
            "model" if role == "weights" else "onnx",
            size_bytes=version.card["file_sizes"][role],
            sha256=version.card["sha256"][role],
            description=f"{version.version} {role}",
        )
    ctx.set_output("model_version", version.version)
    return {
        "version": version.version,
        "weights_key": version.files["weights"],
        "weights_bytes": version.card["file_sizes"]["weights"],
        "onnx_key": version.files["onnx"],
        "onnx_bytes": version.card["file_sizes"]["onnx"],
    }
