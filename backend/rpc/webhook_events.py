"""What happens in the backend, told to webhooks in the contract's JSON form.

The job manager and the registry know nothing of webhooks or protobuf; this observer turns their records into
``omni.v1.Job`` / ``omni.v1.ModelVersion`` JSON (protobuf's JSON mapping, as the HTTP API sends them) and hands
them to ``WebhookService.publish``, which only writes delivery rows.
"""

from __future__ import annotations

import logging
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from backend.jobs.records import JobRecord
from backend.registry import ModelVersion
from backend.registry.registry import ModelRegistry
from backend.rpc import convert
from backend.rpc.models_servicer import model_to_proto
from backend.webhooks.events import JOB_STATE_EVENTS, MODEL_PROMOTED, MODEL_REGISTERED
from backend.webhooks.service import WebhookService
from omni_core.errors import OmniError

log = logging.getLogger("omni.webhooks")
#: the job output through which a run names the model version it registered (``backend.registry.publish``)
MODEL_VERSION_OUTPUT = "model_version"


def as_json(message: Message) -> dict[str, Any]:
    return MessageToDict(message)


class WebhookEvents:
    """A ``JobObserver`` of the job manager, and what the Models and Detection servicers call."""

    def __init__(self, service: WebhookService, registry: ModelRegistry) -> None:
        self.service = service
        self.registry = registry  # the workspace's own versions: reading one never waits on a remote

    def job_state_changed(self, job: JobRecord) -> None:
        event_type = JOB_STATE_EVENTS.get(job.state)
        if event_type is not None:
            data = {"job": as_json(convert.job_to_proto(job))}
            self.service.publish(event_type, data, job_id=job.id, resumed_from=job.resumed_from)

    def job_output_set(self, job: JobRecord, name: str, value: str) -> None:
        if name != MODEL_VERSION_OUTPUT:
            return
        try:
            model = self.registry.get(value)
        except OmniError as error:
            log.warning("job %s registered %s, which cannot be read: %s", job.id, value, error.message)
            return
        self.model_registered(model, job_id=job.id)

    def model_registered(self, model: ModelVersion, *, job_id: str = "") -> None:
        self.service.publish(MODEL_REGISTERED, {"model": as_json(model_to_proto(model))}, job_id=job_id)

    def model_promoted(self, model: ModelVersion) -> None:
        self.service.publish(MODEL_PROMOTED, {"model": as_json(model_to_proto(model))})
