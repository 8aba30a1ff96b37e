"""Parameters of a SageMaker dispatch job (``JobSpec.train_sagemaker``).

The nested specs travel in their JSON form (``backend.rpc.convert`` turns nested messages into dicts); this
module turns them back into the local kinds' own params dataclasses, so a dispatch checks its training exactly
as a local run would (no second set of defaults or checks).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from backend.cloud.sagemaker.target import SageMakerTarget
from omni_core.errors import InvalidArgument

ROLE_VARIABLE = "OMNI_SAGEMAKER_ROLE"
#: the SageMaker API's address when it is not AWS's (moto in tests, a private endpoint)
ENDPOINT_VARIABLE = "OMNI_SAGEMAKER_ENDPOINT_URL"
RESTORATION = "train_restoration"
#: the input channel of the weights a run fine-tunes, and the name a registered version's weights have there
START_CHANNEL = "start"
START_WEIGHTS = "model.pt"
#: the input channel of a distilled run's teacher weights (named START_WEIGHTS there too)
TEACHER_CHANNEL = "teacher"
#: a restoration run's fields naming a registered version whose weights go up in a channel of their own
WEIGHTS_CHANNELS = {"start_from": START_CHANNEL, "teacher": TEACHER_CHANNEL}
#: the ``clean`` hyperparameter of a restoration trained from clean images: its images are the training channel
#: (the local folder's path means nothing in the container)
CLEAN_IN_CHANNEL = "training channel"
#: a detection's ``model`` hyperparameter naming a file of the ``start`` channel (a checkpoint to fine-tune)
START_PREFIX = "start:"
DETECTION = "train_detection"


@dataclass(frozen=True)
class SageMakerTrainParams:
    restoration: dict[str, Any] = field(default_factory=dict)
    detection: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    #: fixed when the job is first prepared, kept by a resume: the same SageMaker job is re-attached, never relaunched
    training_job_name: str = ""

    @property
    def training_kind(self) -> str:
        if bool(self.restoration) == bool(self.detection):
            raise InvalidArgument("training", "set exactly one of restoration and detection")
        return RESTORATION if self.restoration else DETECTION


def _coerce(name: str, value: Any, annotation: str) -> Any:
    """JSON's forms back to a dataclass field's type (int64 arrives as a string; lists as lists)."""
    try:
        if annotation == "int":
            return int(value)
        if annotation == "float":
            return float(value)
        if annotation == "bool":
            return bool(value)
        if annotation.startswith("tuple"):
            inner = int if "int" in annotation else str
            return tuple(inner(item) for item in value)
    except (TypeError, ValueError):
        raise InvalidArgument(name, f"{value!r} is not a valid {annotation}") from None
    return value


def params_of(kind: type, values: dict[str, Any], prefix: str) -> Any:
    """``kind(**values)`` with each value coerced to its field's type; unknown names are refused by name."""
    fields = {item.name: str(item.type) for item in dataclasses.fields(kind)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise InvalidArgument(f"{prefix}.{unknown[0]}", "is not a field of this spec")
    required = [
        item.name
        for item in dataclasses.fields(kind)
        if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
    ]
    for name in required:
        if name not in values:
            raise InvalidArgument(f"{prefix}.{name}", "is required")
    return kind(**{name: _coerce(f"{prefix}.{name}", value, fields[name]) for name, value in values.items()})


def target_of(params: SageMakerTrainParams) -> SageMakerTarget:
    return params_of(SageMakerTarget, params.target, "target")  # type: ignore[no-any-return]


def new_training_job_name(kind: str) -> str:
    """A SageMaker job name (unique, at most 63 of a-z A-Z 0-9 -) saying what it trains and when."""
    what = "restoration" if kind == RESTORATION else "detection"
    return f"omni-{what}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"


def default_region(remote_region: str) -> str:
    return remote_region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""


def default_role() -> str:
    return os.environ.get(ROLE_VARIABLE, "")
