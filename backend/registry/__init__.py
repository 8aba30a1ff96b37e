"""The versioned model registry: every trained model is a version with weights, ONNX export and a card."""

from backend.registry.registry import ModelRegistry, ModelVersion

__all__ = ["ModelRegistry", "ModelVersion"]
