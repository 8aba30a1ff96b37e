"""The PyTorch training image of a region, named by the SageMaker SDK's own table (offline)."""

from __future__ import annotations

import os
from functools import cache

from backend.cloud.sagemaker.instances import instance_type
from omni_core.errors import FailedPrecondition, shown

#: the newest PyTorch training image this project's trainers are known to run on (py311 like ours)
PYTORCH_VERSION = "2.5"
PYTHON_VERSION = "py311"


@cache
def sdk_image_uris():  # type: ignore[no-untyped-def]
    """The SDK module; it reads AWS_DEFAULT_REGION at import and sends telemetry unless told not to."""
    os.environ.setdefault("SAGEMAKER_TELEMETRY_DISABLED", "1")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from sagemaker.core import image_uris

    return image_uris


def training_image(region: str, instance: str) -> str:
    """The PyTorch training container for ``region`` and the device of ``instance`` (GPU or CPU build)."""
    kind = instance_type(instance)
    try:
        uri: str = sdk_image_uris().retrieve(
            "pytorch",
            region=region,
            version=PYTORCH_VERSION,
            py_version=PYTHON_VERSION,
            instance_type=kind.name,
            image_scope="training",
        )
    except ValueError as error:
        raise FailedPrecondition(
            f"no PyTorch {PYTORCH_VERSION} training image is published for {shown(region)} ({error}); pass --image URI",
            field="region",
        ) from None
    return uri
