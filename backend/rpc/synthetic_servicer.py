"""The Synthetic service: what the generators offer, and single-sample previews (no job needed)."""

from __future__ import annotations

import json

import grpc

from backend.rpc.convert import params_from_message
from backend.synthetic import params as synth_params
from backend.workspace import Workspace, require_existing_folder
from omni_core.errors import InvalidArgument
from protos.omni.v1 import synthetic_pb2, synthetic_pb2_grpc

MAX_PREVIEW_SIZE = 2048


def _check_preview(size: int, index: int) -> None:
    if index < 0:
        raise InvalidArgument("index", "must not be negative")
    if size > MAX_PREVIEW_SIZE:
        raise InvalidArgument("spec.size", f"previews are at most {MAX_PREVIEW_SIZE} pixels")


class SyntheticServicer(synthetic_pb2_grpc.SyntheticServicer):
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace  # previews of pairs from the user's own images read files through it

    def DescribeSynthetic(
        self, request: synthetic_pb2.DescribeSyntheticRequest, context: grpc.ServicerContext
    ) -> synthetic_pb2.DescribeSyntheticResponse:
        from backend.synthetic.degradations import DEGRADATIONS
        from backend.synthetic.realistic.presets import DOMAINS

        return synthetic_pb2.DescribeSyntheticResponse(
            degradations=[synthetic_pb2.DegradationInfo(name=n, description=d) for n, d in DEGRADATIONS.items()],
            default_classes=list(synth_params.DEFAULT_CLASSES),
            min_size=synth_params.MIN_SIZE,
            max_size=synth_params.MAX_SIZE,
            max_count=synth_params.MAX_COUNT,
            domains=list(DOMAINS),
        )

    def PreviewRestoration(
        self, request: synthetic_pb2.PreviewRestorationRequest, context: grpc.ServicerContext
    ) -> synthetic_pb2.PreviewRestorationResponse:
        from backend.synthetic.restoration import preview_restoration

        spec = synthetic_pb2.SynthRestorationSpec()
        spec.CopyFrom(request.spec)
        spec.count, spec.out = 1, "preview"
        params = synth_params.validate_restoration(params_from_message(synth_params.SynthRestorationParams, spec))
        if params.source:
            from backend.synthetic.from_images import preview_from_images

            source = require_existing_folder(self.workspace, params.source, field="spec.source")
            _check_preview(0, request.index)
            clean, degraded, name, steps = preview_from_images(
                params, source, self.workspace.confinement, request.index, MAX_PREVIEW_SIZE
            )
            return synthetic_pb2.PreviewRestorationResponse(
                clean_png=clean, degraded_png=degraded, name=name, applied_json=json.dumps(steps)
            )
        _check_preview(params.size, request.index)
        clean, degraded, name, applied = preview_restoration(params, request.index)
        return synthetic_pb2.PreviewRestorationResponse(
            clean_png=clean, degraded_png=degraded, name=name, applied_json=json.dumps(applied)
        )

    def PreviewDetection(
        self, request: synthetic_pb2.PreviewDetectionRequest, context: grpc.ServicerContext
    ) -> synthetic_pb2.PreviewDetectionResponse:
        from backend.synthetic.detection import preview_detection

        spec = synthetic_pb2.SynthDetectionSpec()
        spec.CopyFrom(request.spec)
        spec.count, spec.out = 1, "preview"
        params = synth_params.validate_detection(params_from_message(synth_params.SynthDetectionParams, spec))
        _check_preview(params.size, request.index)
        image, labels = preview_detection(params, request.index)
        return synthetic_pb2.PreviewDetectionResponse(image_png=image, labels_txt=labels)
