"""Registered restoration versions that a training run builds on (its teacher, the weights it starts from),
checked without torch: the server checks them at submit time, naming the field."""

from __future__ import annotations

from backend.registry import ModelRegistry, ModelVersion
from omni_core.errors import FailedPrecondition, InvalidArgument, NotFound

#: what each field does with the version, for the messages
_USES = {"teacher": "teach with", "start_from": "start from"}


def restoration_version(registry: ModelRegistry, version: str, field: str) -> ModelVersion:
    """The version named in ``field``: a restoration model with PyTorch weights."""
    try:
        model = registry.get(version)
    except InvalidArgument as error:
        raise InvalidArgument(field, error.reason) from None
    except NotFound:
        raise NotFound(f"{field}: no model version {version!r} (omni models list shows them)") from None
    if model.kind != "restoration":
        raise InvalidArgument(field, f"{version} is a {model.kind} model, not a restoration model")
    if "weights" not in model.files:
        raise FailedPrecondition(f"{version} has no PyTorch weights to {_USES[field]}", field=field)
    return model
