"""The training instance types a dispatch may ask for, with the prices its cost estimate uses.

Prices are AWS's published on-demand prices for SageMaker training in us-east-1 (USD per instance-hour),
read from https://aws.amazon.com/sagemaker/pricing/ ; other regions cost up to ~30% more. They are an
estimate for the operator's decision, never a bill: the finished job reports its billable seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from omni_core.errors import InvalidArgument, shown

PRICE_SOURCE = "AWS SageMaker pricing page, training, on-demand, us-east-1 (read 2025); other regions differ"
#: what Spot capacity typically saves on training (AWS says "up to 90%"); the finished job reports the real figure
TYPICAL_SPOT_SAVING = 0.7


@dataclass(frozen=True)
class InstanceType:
    name: str
    gpus: int
    usd_per_hour: float

    @property
    def device(self) -> str:
        return "gpu" if self.gpus else "cpu"


TRAINING_INSTANCES: dict[str, InstanceType] = {
    item.name: item
    for item in (
        InstanceType("ml.m5.xlarge", 0, 0.23),
        InstanceType("ml.m5.2xlarge", 0, 0.461),
        InstanceType("ml.m5.4xlarge", 0, 0.922),
        InstanceType("ml.c5.2xlarge", 0, 0.408),
        InstanceType("ml.c5.4xlarge", 0, 0.816),
        InstanceType("ml.g4dn.xlarge", 1, 0.736),
        InstanceType("ml.g4dn.2xlarge", 1, 0.94),
        InstanceType("ml.g4dn.4xlarge", 1, 1.505),
        InstanceType("ml.g4dn.8xlarge", 1, 2.72),
        InstanceType("ml.g4dn.12xlarge", 4, 4.89),
        InstanceType("ml.g5.xlarge", 1, 1.408),
        InstanceType("ml.g5.2xlarge", 1, 1.515),
        InstanceType("ml.g5.4xlarge", 1, 2.03),
        InstanceType("ml.g5.12xlarge", 4, 7.09),
        InstanceType("ml.p3.2xlarge", 1, 3.825),
        InstanceType("ml.p3.8xlarge", 4, 14.688),
    )
}
DEFAULT_INSTANCE_TYPE = "ml.g4dn.xlarge"


def instance_type(name: str, *, field: str = "instance_type") -> InstanceType:
    """The known instance type ``name``, or InvalidArgument listing the valid ones."""
    try:
        return TRAINING_INSTANCES[name]
    except KeyError:
        valid = ", ".join(TRAINING_INSTANCES)
        why = f"{shown(name)} is not a SageMaker training instance type; valid: {valid}"
        raise InvalidArgument(field, why) from None
