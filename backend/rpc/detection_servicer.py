"""The Detection service: suggestions for one dataset image, and importing a detector into the registry.

Thin: each method converts the request, calls one domain function (``backend.detection.suggest_service``,
``backend.detection.importing``) and converts the result; domain errors become status codes in the error
interceptor. No model runs in this process (see ``backend.detection.helper_process``).
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from backend.detection.importing import import_detector
from backend.detection.params import DetectOptions
from backend.detection.suggest_service import SuggestService
from backend.registry import ModelVersion
from backend.rpc.models_servicer import model_to_proto
from backend.workspace import Workspace
from protos.omni.v1 import datasets_pb2, detection_pb2, detection_pb2_grpc, models_pb2


class DetectionServicer(detection_pb2_grpc.DetectionServicer):
    def __init__(
        self,
        workspace: Workspace,
        suggestions: SuggestService | None = None,
        on_registered: Callable[[ModelVersion], None] | None = None,
    ) -> None:
        self.workspace = workspace
        self.suggestions = suggestions or SuggestService(workspace)
        self.on_registered = on_registered

    def SuggestBoxes(
        self, request: detection_pb2.SuggestBoxesRequest, context: grpc.ServicerContext
    ) -> detection_pb2.SuggestBoxesResponse:
        options = DetectOptions(model=request.model, conf=request.conf, iou=request.iou, max_det=request.max_det)
        result = self.suggestions.suggest(request.dataset, request.image_id, options)
        return detection_pb2.SuggestBoxesResponse(
            boxes=[
                datasets_pb2.Box(
                    class_id=b.class_id,
                    x_center=b.x_center,
                    y_center=b.y_center,
                    width=b.width,
                    height=b.height,
                    confidence=b.confidence,
                )
                for b in result.boxes
            ],
            model_version=result.model_version,
            provider=result.provider,
            unmapped_classes=result.unmapped,
            inference_ms=result.seconds * 1000,
            width=result.width,
            height=result.height,
        )

    def ImportDetector(
        self, request: detection_pb2.ImportDetectorRequest, context: grpc.ServicerContext
    ) -> models_pb2.ModelVersion:
        version = import_detector(
            self.workspace,
            path=request.path,
            data=request.data,
            filename=request.filename,
            kind=request.kind or "detector",
            description=request.description,
        )
        if self.on_registered is not None:
            self.on_registered(version)
        return model_to_proto(version)

    def close(self) -> None:
        self.suggestions.close()
