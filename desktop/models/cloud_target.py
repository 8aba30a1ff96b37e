"""Where a training runs, chosen in the Train view: this backend, or AWS SageMaker with its instance type, Spot,
limits, role and region (remembered between sessions). Qt-free.

The defaults and checks are the backend's (``SageMakerTarget`` in protos/omni/v1/cloud.proto): a zero or empty
field here means "the backend's default", so nothing is decided twice; the plan (``Cloud.PlanTraining``) shows
the complete request and the cost estimate before anything is launched.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from desktop.models.events import Event
from desktop.models.preferences import Preferences
from protos.omni.v1 import cloud_pb2, jobs_pb2

LOCAL, SAGEMAKER = "local", "sagemaker"
TARGETS = ((LOCAL, "This backend"), (SAGEMAKER, "AWS SageMaker"))
SECTION = "training_target"
SECONDS_PER_HOUR = 3600


@dataclass
class TargetFields:
    target: str = LOCAL
    instance_type: str = ""  # "" = the backend's default (ml.g4dn.xlarge)
    spot: bool = False
    max_run_hours: float = 0.0  # 0 = the backend's default (4 h)
    max_wait_hours: float = 0.0  # Spot only; 0 = the backend's default (5 h)
    role: str = ""
    region: str = ""


FIELD_NAMES = tuple(field.name for field in dataclasses.fields(TargetFields))


class CloudTargetModel:
    def __init__(self, preferences: Preferences | None = None) -> None:
        self.preferences = preferences or Preferences()
        self.fields = TargetFields()
        self._load()
        self.instance_types: list[str] = []
        self.estimate = ""
        self.changed: Event[[]] = Event()

    def _load(self) -> None:
        saved = self.preferences.section(SECTION)
        for field in dataclasses.fields(TargetFields):
            value = saved.get(field.name)
            if value is not None and isinstance(value, type(getattr(self.fields, field.name))):
                setattr(self.fields, field.name, value)

    @property
    def on_sagemaker(self) -> bool:
        return self.fields.target == SAGEMAKER

    def set(self, name: str, value: Any) -> None:
        if name not in FIELD_NAMES:
            raise KeyError(f"TargetFields has no field {name!r}")
        if getattr(self.fields, name) == value:
            return
        setattr(self.fields, name, value)
        self.estimate = ""  # a changed choice needs a new plan
        self.preferences.save_section(SECTION, dataclasses.asdict(self.fields))
        self.changed.emit()

    def set_instance_types(self, names: list[str]) -> None:
        self.instance_types = list(names)
        self.changed.emit()

    def set_plan(self, plan: cloud_pb2.PlanTrainingResponse) -> None:
        self.estimate = f"SageMaker job {plan.training_job_name}\n{plan.estimate.summary}"
        self.changed.emit()

    def target_proto(self) -> cloud_pb2.SageMakerTarget:
        f = self.fields
        return cloud_pb2.SageMakerTarget(
            instance_type=f.instance_type,
            spot=f.spot,
            max_run_seconds=round(f.max_run_hours * SECONDS_PER_HOUR),
            max_wait_seconds=round(f.max_wait_hours * SECONDS_PER_HOUR) if f.spot else 0,
            role=f.role.strip(),
            region=f.region.strip(),
        )

    def cloud_spec(self, spec: jobs_pb2.JobSpec) -> cloud_pb2.SageMakerTrainSpec:
        """The SageMaker form of a local training spec (restoration or detection)."""
        kind = spec.WhichOneof("spec")
        if kind == "train_restoration":
            return cloud_pb2.SageMakerTrainSpec(restoration=spec.train_restoration, target=self.target_proto())
        if kind == "train_detection":
            return cloud_pb2.SageMakerTrainSpec(detection=spec.train_detection, target=self.target_proto())
        raise ValueError(f"{kind} is not a training that runs on SageMaker")

    def wrap(self, spec: jobs_pb2.JobSpec) -> jobs_pb2.JobSpec:
        """The job to submit: ``spec`` itself on this backend, its SageMaker dispatch otherwise."""
        if not self.on_sagemaker:
            return spec
        return jobs_pb2.JobSpec(train_sagemaker=self.cloud_spec(spec))
