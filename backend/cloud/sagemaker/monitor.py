"""Reading a SageMaker training job: DescribeTrainingJob into a typed status, its secondary-status
transitions into log lines, and the entry point's metric lines (in CloudWatch) into metrics.

Pure functions over the API's answers, so the dispatch job's loop stays small and these are tested on
answers shaped exactly like AWS's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.cloud.sagemaker.request import METRIC_LINE_PREFIX

TERMINAL = frozenset({"Completed", "Failed", "Stopped"})
METRIC_LINE = re.compile(
    rf"{METRIC_LINE_PREFIX} (?P<name>[\w/.@-]+)=(?P<value>[-+0-9.eE]+|nan|inf)"
    r"(?: epoch=(?P<epoch>\d+))?(?: step=(?P<step>\d+))?"
)


@dataclass(frozen=True)
class TrainingStatus:
    status: str
    secondary: str
    message: str
    failure_reason: str
    arn: str
    model_uri: str
    training_seconds: int
    billable_seconds: int

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def spot_saving(self) -> float:
        """The share of the run's time that was not billed (Spot), as DescribeTrainingJob reports it."""
        if not self.training_seconds or not self.billable_seconds:
            return 0.0
        return max(0.0, 1 - self.billable_seconds / self.training_seconds)


@dataclass(frozen=True)
class MetricPoint:
    name: str
    value: float
    epoch: int
    step: int


def read_status(described: Mapping[str, Any]) -> TrainingStatus:
    transitions = described.get("SecondaryStatusTransitions") or []
    return TrainingStatus(
        status=str(described.get("TrainingJobStatus", "")),
        secondary=str(described.get("SecondaryStatus", "")),
        message=str(transitions[-1].get("StatusMessage", "")) if transitions else "",
        failure_reason=str(described.get("FailureReason", "")),
        arn=str(described.get("TrainingJobArn", "")),
        model_uri=str((described.get("ModelArtifacts") or {}).get("S3ModelArtifacts", "")),
        training_seconds=int(described.get("TrainingTimeInSeconds") or 0),
        billable_seconds=int(described.get("BillableTimeInSeconds") or 0),
    )


def transition_lines(described: Mapping[str, Any], already_seen: int) -> list[str]:
    """One log line per secondary-status transition after the first ``already_seen`` of them."""
    lines = []
    for item in (described.get("SecondaryStatusTransitions") or [])[already_seen:]:
        message = item.get("StatusMessage", "")
        lines.append(f"SageMaker: {item.get('Status', '?')}" + (f" - {message}" if message else ""))
    return lines


def metric_points(line: str) -> list[MetricPoint]:
    """The metrics in one log line of the entry point (none for any other line)."""
    points = []
    for match in METRIC_LINE.finditer(line):
        value = float(match["value"])
        if math.isnan(value):
            continue
        points.append(
            MetricPoint(match["name"], value, int(match["epoch"] or 0), int(match["step"] or match["epoch"] or 0))
        )
    return points


def metric_line(name: str, value: float, *, epoch: int = 0, step: int = 0) -> str:
    """What the entry point prints for a metric (``metric_points`` and MetricDefinitions read it back)."""
    return f"{METRIC_LINE_PREFIX} {name}={value:.6g} epoch={epoch} step={step}"
