"""What a SageMaker training job may cost, stated as an estimate with its source."""

from __future__ import annotations

from dataclasses import dataclass

from backend.cloud.sagemaker.instances import PRICE_SOURCE, TYPICAL_SPOT_SAVING, instance_type
from backend.cloud.sagemaker.target import SageMakerTarget


@dataclass(frozen=True)
class CostEstimate:
    usd_per_hour: float
    instance_count: int
    max_hours: float
    #: price x instances x max run, on demand: the most the run can cost without Spot
    max_usd_on_demand: float
    #: with Spot: the same less the typical saving; without: equal to max_usd_on_demand
    max_usd_expected: float
    spot_saving_assumed: float
    source: str

    def describe(self) -> str:
        text = (
            f"at most ${self.max_usd_on_demand:.2f} on demand ({self.instance_count} x ${self.usd_per_hour:.3f}/h x "
            f"{self.max_hours:g} h max run)"
        )
        if self.spot_saving_assumed:
            text += (
                f"; with Spot about ${self.max_usd_expected:.2f} (assuming the typical {self.spot_saving_assumed:.0%} "
                "saving; the finished job reports the real one)"
            )
        return f"{text}. Estimate only — {self.source}."


def estimate_cost(target: SageMakerTarget) -> CostEstimate:
    """The estimate for a checked ``target`` (see ``checked_target``)."""
    price = instance_type(target.instance_type).usd_per_hour
    hours = target.max_run_seconds / 3600
    on_demand = price * target.instance_count * hours
    saving = TYPICAL_SPOT_SAVING if target.spot else 0.0
    return CostEstimate(
        usd_per_hour=price,
        instance_count=target.instance_count,
        max_hours=hours,
        max_usd_on_demand=round(on_demand, 2),
        max_usd_expected=round(on_demand * (1 - saving), 2),
        spot_saving_assumed=saving,
        source=PRICE_SOURCE,
    )
