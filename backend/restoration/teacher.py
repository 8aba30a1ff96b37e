"""The teacher of a distilled training run, checked without torch (the server checks it at submit time)."""

from __future__ import annotations

from backend.registry import ModelRegistry, ModelVersion
from omni_core.errors import FailedPrecondition, InvalidArgument, NotFound


def teacher_version(registry: ModelRegistry, version: str) -> ModelVersion:
    """The registered version named as a teacher: a restoration model with PyTorch weights."""
    try:
        model = registry.get(version)
    except InvalidArgument as error:
        raise InvalidArgument("teacher", error.reason) from None
    except NotFound:
        raise NotFound(f"teacher: no model version {version!r} (omni models list shows them)") from None
    if model.kind != "restoration":
        raise InvalidArgument("teacher", f"{version} is a {model.kind} model, not a restoration model")
    if "weights" not in model.files:
        raise FailedPrecondition(f"{version} has no PyTorch weights to teach with", field="teacher")
    return model
