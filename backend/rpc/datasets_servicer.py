"""The Datasets service: check the request, call ``DatasetService``, convert. Errors map in ``backend.rpc.errors``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc

from backend.datasets.service import DatasetService
from backend.rpc import datasets_convert as convert
from backend.rpc.caller import recorded_name
from backend.rpc.locations import LOCATIONS
from backend.storage.remote import require_remote
from backend.sync.dataset_locations import dataset_locations
from omni_core.errors import InvalidArgument
from omni_core.formats.box_proto import boxes_from_proto
from protos.omni.v1 import datasets_pb2, datasets_pb2_grpc


def _required(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    return value


class DatasetsServicer(datasets_pb2_grpc.DatasetsServicer):
    def __init__(self, service: DatasetService, state_dir: Path) -> None:
        self.service = service
        self.state_dir = state_dir

    def CreateDataset(
        self, request: datasets_pb2.CreateDatasetRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.Dataset:
        return convert.dataset_to_proto(self.service.create_dataset(request.name, list(request.classes)))

    def ListDatasets(
        self, request: datasets_pb2.ListDatasetsRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.ListDatasetsResponse:
        if request.include_remote:
            located = dataset_locations(self.service, require_remote(self.state_dir))
            messages = []
            for item in located:
                message = convert.dataset_to_proto(item.record)
                message.location = LOCATIONS[item.location]
                messages.append(message)
            return datasets_pb2.ListDatasetsResponse(datasets=messages)
        return datasets_pb2.ListDatasetsResponse(
            datasets=[convert.dataset_to_proto(d) for d in self.service.list_datasets()]
        )

    def GetDataset(
        self, request: datasets_pb2.GetDatasetRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.Dataset:
        return convert.dataset_to_proto(self.service.get_dataset(_required(request.name, "name")))

    def DeleteDataset(
        self, request: datasets_pb2.DeleteDatasetRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.DeleteDatasetResponse:
        self.service.delete_dataset(_required(request.name, "name"))
        return datasets_pb2.DeleteDatasetResponse()

    def UpdateClasses(
        self, request: datasets_pb2.UpdateClassesRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.Dataset:
        changes = convert.changes_from_proto(request.changes)
        return convert.dataset_to_proto(self.service.update_classes(_required(request.dataset, "dataset"), changes))

    def UploadImages(
        self, request_iterator: Iterator[datasets_pb2.UploadChunk], context: grpc.ServicerContext
    ) -> datasets_pb2.UploadImagesResponse:
        session = self.service.upload_session()
        try:
            for chunk in request_iterator:
                if chunk.HasField("header"):
                    h = chunk.header
                    session.header(_required(h.dataset, "header.dataset"), h.filename, h.sha256, h.size_bytes, h.offset)
                else:
                    session.data(chunk.data)
            results = session.finish()
        finally:
            session.close()  # a dropped stream: keep what arrived, register what was verified
        return datasets_pb2.UploadImagesResponse(
            results=[
                datasets_pb2.UploadResult(
                    filename=r.filename, image_id=r.image_id, duplicate=r.duplicate, error=r.error
                )
                for r in results
            ]
        )

    def GetUploadOffset(
        self, request: datasets_pb2.GetUploadOffsetRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.GetUploadOffsetResponse:
        offset, complete = self.service.upload_offset(request.sha256)
        return datasets_pb2.GetUploadOffsetResponse(offset=offset, complete=complete)

    def ListImages(
        self, request: datasets_pb2.ListImagesRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.ListImagesResponse:
        page = self.service.list_images(
            _required(request.dataset, "dataset"),
            status=request.status,
            order_by=request.order_by,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return datasets_pb2.ListImagesResponse(
            images=[convert.image_to_proto(i) for i in page.images],
            next_page_token=page.next_page_token,
            total=page.total,
        )

    def GetImage(self, request: datasets_pb2.GetImageRequest, context: grpc.ServicerContext) -> datasets_pb2.ImageData:
        image = self.service.get_image(
            _required(request.dataset, "dataset"), _required(request.image_id, "image_id"), request.max_side
        )
        return convert.image_data_to_proto(image)

    def GetAnnotations(
        self, request: datasets_pb2.GetAnnotationsRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.Annotations:
        record = self.service.get_annotations(
            _required(request.dataset, "dataset"), _required(request.image_id, "image_id")
        )
        return convert.annotations_to_proto(record)

    def SaveAnnotations(
        self, request: datasets_pb2.SaveAnnotationsRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.Annotations:
        record = self.service.save_annotations(
            _required(request.dataset, "dataset"),
            _required(request.image_id, "image_id"),
            base_revision=request.base_revision,
            boxes=boxes_from_proto(request.boxes),
            status=request.status,
            editor=recorded_name(request.editor),  # a named token's name, else what the client says
            client_edit_id=request.client_edit_id,
        )
        return convert.annotations_to_proto(record)

    def GetDatasetStats(
        self, request: datasets_pb2.GetDatasetStatsRequest, context: grpc.ServicerContext
    ) -> datasets_pb2.DatasetStats:
        return convert.stats_to_proto(self.service.stats(_required(request.dataset, "dataset")))
