"""The Models service: the versioned registry over the workspace's artifact store."""

from __future__ import annotations

import json
from collections.abc import Callable

import grpc

from backend.registry import ModelVersion
from backend.registry.shared import SharedRegistry
from backend.rpc.convert import timestamp
from backend.rpc.locations import LOCATIONS
from omni_core.errors import InvalidArgument
from protos.omni.v1 import models_pb2, models_pb2_grpc


def model_to_proto(model: ModelVersion) -> models_pb2.ModelVersion:
    card = model.card
    return models_pb2.ModelVersion(
        version=model.version,
        kind=model.kind,
        layer=model.layer,
        current=model.current,
        created_at=timestamp(model.created_at),
        metrics={k: float(v) for k, v in model.metrics.items() if isinstance(v, int | float)},
        architecture=str(card.get("architecture", "")),
        parameters=int(card.get("parameters", 0)),
        size_bytes=int(card.get("size_bytes", 0)),
        parent_version=str(card.get("parent_version", "")),
        files=model.files,
        card_json=json.dumps(card),
        job_id=str(card.get("job_id", "")),
        tier=model.tier,
    )


def _version(value: str, field: str = "version") -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    return value


class ModelsServicer(models_pb2_grpc.ModelsServicer):
    def __init__(
        self, open_registry: Callable[[], SharedRegistry], on_promoted: Callable[[ModelVersion], None] | None = None
    ) -> None:
        self._open_registry = open_registry
        self.on_promoted = on_promoted

    @property
    def registry(self) -> SharedRegistry:
        """Opened per call (cached while the remote's settings stay the same): a remote set later is used."""
        return self._open_registry()

    def ListModels(
        self, request: models_pb2.ListModelsRequest, context: grpc.ServicerContext
    ) -> models_pb2.ListModelsResponse:
        if request.include_remote:
            located = self.registry.list_with_locations(kind=request.kind, layer=request.layer)
            messages = []
            for item in located:
                message = model_to_proto(item.model)
                message.location = LOCATIONS[item.location]
                messages.append(message)
            return models_pb2.ListModelsResponse(models=messages)
        models = self.registry.list(kind=request.kind, layer=request.layer)
        return models_pb2.ListModelsResponse(models=[model_to_proto(m) for m in models])

    def GetModel(self, request: models_pb2.GetModelRequest, context: grpc.ServicerContext) -> models_pb2.ModelVersion:
        return model_to_proto(self.registry.get(_version(request.version)))

    def PromoteModel(
        self, request: models_pb2.PromoteModelRequest, context: grpc.ServicerContext
    ) -> models_pb2.ModelVersion:
        model = self.registry.promote(_version(request.version))
        if self.on_promoted is not None:
            self.on_promoted(model)
        return model_to_proto(model)

    def DeleteModel(
        self, request: models_pb2.DeleteModelRequest, context: grpc.ServicerContext
    ) -> models_pb2.DeleteModelResponse:
        self.registry.delete(_version(request.version))
        return models_pb2.DeleteModelResponse()

    def CompareModels(
        self, request: models_pb2.CompareModelsRequest, context: grpc.ServicerContext
    ) -> models_pb2.CompareModelsResponse:
        comparison = self.registry.compare(_version(request.a, "a"), _version(request.b, "b"))
        metrics = []
        for name, values in comparison["metrics"].items():
            item = models_pb2.MetricComparison(name=name)
            for side in ("a", "b", "change"):
                if isinstance(values[side], int | float):
                    setattr(item, side, float(values[side]))
            metrics.append(item)
        return models_pb2.CompareModelsResponse(
            a=model_to_proto(self.registry.get(request.a)),
            b=model_to_proto(self.registry.get(request.b)),
            metrics=metrics,
        )
