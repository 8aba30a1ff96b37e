import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from protos.omni.v1 import storage_pb2 as _storage_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImageStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMAGE_STATUS_UNSPECIFIED: _ClassVar[ImageStatus]
    IMAGE_STATUS_TODO: _ClassVar[ImageStatus]
    IMAGE_STATUS_DONE: _ClassVar[ImageStatus]
    IMAGE_STATUS_REVIEW: _ClassVar[ImageStatus]
IMAGE_STATUS_UNSPECIFIED: ImageStatus
IMAGE_STATUS_TODO: ImageStatus
IMAGE_STATUS_DONE: ImageStatus
IMAGE_STATUS_REVIEW: ImageStatus

class DatasetClass(_message.Message):
    __slots__ = ("id", "name", "deleted")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    deleted: bool
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ..., deleted: _Optional[bool] = ...) -> None: ...

class Dataset(_message.Message):
    __slots__ = ("name", "classes", "image_count", "images_by_status", "box_count", "created_at", "updated_at", "location")
    class ImagesByStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    IMAGES_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    BOX_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    classes: _containers.RepeatedCompositeFieldContainer[DatasetClass]
    image_count: int
    images_by_status: _containers.ScalarMap[str, int]
    box_count: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    location: _storage_pb2.Location
    def __init__(self, name: _Optional[str] = ..., classes: _Optional[_Iterable[_Union[DatasetClass, _Mapping]]] = ..., image_count: _Optional[int] = ..., images_by_status: _Optional[_Mapping[str, int]] = ..., box_count: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[_Union[_storage_pb2.Location, str]] = ...) -> None: ...

class Box(_message.Message):
    __slots__ = ("class_id", "x_center", "y_center", "width", "height", "confidence", "difficult", "truncated", "occluded")
    CLASS_ID_FIELD_NUMBER: _ClassVar[int]
    X_CENTER_FIELD_NUMBER: _ClassVar[int]
    Y_CENTER_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    DIFFICULT_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    OCCLUDED_FIELD_NUMBER: _ClassVar[int]
    class_id: int
    x_center: float
    y_center: float
    width: float
    height: float
    confidence: float
    difficult: bool
    truncated: bool
    occluded: bool
    def __init__(self, class_id: _Optional[int] = ..., x_center: _Optional[float] = ..., y_center: _Optional[float] = ..., width: _Optional[float] = ..., height: _Optional[float] = ..., confidence: _Optional[float] = ..., difficult: _Optional[bool] = ..., truncated: _Optional[bool] = ..., occluded: _Optional[bool] = ...) -> None: ...

class ImageInfo(_message.Message):
    __slots__ = ("image_id", "filename", "width", "height", "status", "revision", "box_count", "updated_at", "updated_by", "size_bytes", "position")
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    BOX_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    image_id: str
    filename: str
    width: int
    height: int
    status: ImageStatus
    revision: int
    box_count: int
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    size_bytes: int
    position: int
    def __init__(self, image_id: _Optional[str] = ..., filename: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., status: _Optional[_Union[ImageStatus, str]] = ..., revision: _Optional[int] = ..., box_count: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ..., size_bytes: _Optional[int] = ..., position: _Optional[int] = ...) -> None: ...

class CreateDatasetRequest(_message.Message):
    __slots__ = ("name", "classes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    name: str
    classes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., classes: _Optional[_Iterable[str]] = ...) -> None: ...

class ListDatasetsRequest(_message.Message):
    __slots__ = ("include_remote",)
    INCLUDE_REMOTE_FIELD_NUMBER: _ClassVar[int]
    include_remote: bool
    def __init__(self, include_remote: _Optional[bool] = ...) -> None: ...

class ListDatasetsResponse(_message.Message):
    __slots__ = ("datasets",)
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    datasets: _containers.RepeatedCompositeFieldContainer[Dataset]
    def __init__(self, datasets: _Optional[_Iterable[_Union[Dataset, _Mapping]]] = ...) -> None: ...

class GetDatasetRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteDatasetRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteDatasetResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClassChange(_message.Message):
    __slots__ = ("add", "rename", "delete_id")
    ADD_FIELD_NUMBER: _ClassVar[int]
    RENAME_FIELD_NUMBER: _ClassVar[int]
    DELETE_ID_FIELD_NUMBER: _ClassVar[int]
    add: str
    rename: RenameClass
    delete_id: int
    def __init__(self, add: _Optional[str] = ..., rename: _Optional[_Union[RenameClass, _Mapping]] = ..., delete_id: _Optional[int] = ...) -> None: ...

class RenameClass(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class UpdateClassesRequest(_message.Message):
    __slots__ = ("dataset", "changes")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    changes: _containers.RepeatedCompositeFieldContainer[ClassChange]
    def __init__(self, dataset: _Optional[str] = ..., changes: _Optional[_Iterable[_Union[ClassChange, _Mapping]]] = ...) -> None: ...

class UploadHeader(_message.Message):
    __slots__ = ("dataset", "filename", "sha256", "size_bytes", "offset")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    filename: str
    sha256: str
    size_bytes: int
    offset: int
    def __init__(self, dataset: _Optional[str] = ..., filename: _Optional[str] = ..., sha256: _Optional[str] = ..., size_bytes: _Optional[int] = ..., offset: _Optional[int] = ...) -> None: ...

class UploadChunk(_message.Message):
    __slots__ = ("header", "data")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    header: UploadHeader
    data: bytes
    def __init__(self, header: _Optional[_Union[UploadHeader, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class UploadResult(_message.Message):
    __slots__ = ("filename", "image_id", "duplicate", "error")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    filename: str
    image_id: str
    duplicate: bool
    error: str
    def __init__(self, filename: _Optional[str] = ..., image_id: _Optional[str] = ..., duplicate: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class UploadImagesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[UploadResult]
    def __init__(self, results: _Optional[_Iterable[_Union[UploadResult, _Mapping]]] = ...) -> None: ...

class GetUploadOffsetRequest(_message.Message):
    __slots__ = ("sha256",)
    SHA256_FIELD_NUMBER: _ClassVar[int]
    sha256: str
    def __init__(self, sha256: _Optional[str] = ...) -> None: ...

class GetUploadOffsetResponse(_message.Message):
    __slots__ = ("offset", "complete")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    offset: int
    complete: bool
    def __init__(self, offset: _Optional[int] = ..., complete: _Optional[bool] = ...) -> None: ...

class ListImagesRequest(_message.Message):
    __slots__ = ("dataset", "status", "page_size", "page_token", "order_by")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    status: ImageStatus
    page_size: int
    page_token: str
    order_by: str
    def __init__(self, dataset: _Optional[str] = ..., status: _Optional[_Union[ImageStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListImagesResponse(_message.Message):
    __slots__ = ("images", "next_page_token", "total")
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    images: _containers.RepeatedCompositeFieldContainer[ImageInfo]
    next_page_token: str
    total: int
    def __init__(self, images: _Optional[_Iterable[_Union[ImageInfo, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class GetImageRequest(_message.Message):
    __slots__ = ("dataset", "image_id", "max_side")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_SIDE_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    image_id: str
    max_side: int
    def __init__(self, dataset: _Optional[str] = ..., image_id: _Optional[str] = ..., max_side: _Optional[int] = ...) -> None: ...

class ImageData(_message.Message):
    __slots__ = ("image_id", "data", "format", "width", "height", "original_width", "original_height")
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_WIDTH_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    image_id: str
    data: bytes
    format: str
    width: int
    height: int
    original_width: int
    original_height: int
    def __init__(self, image_id: _Optional[str] = ..., data: _Optional[bytes] = ..., format: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., original_width: _Optional[int] = ..., original_height: _Optional[int] = ...) -> None: ...

class GetAnnotationsRequest(_message.Message):
    __slots__ = ("dataset", "image_id")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    image_id: str
    def __init__(self, dataset: _Optional[str] = ..., image_id: _Optional[str] = ...) -> None: ...

class Annotations(_message.Message):
    __slots__ = ("dataset", "image_id", "boxes", "status", "revision", "updated_at", "updated_by")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    BOXES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    image_id: str
    boxes: _containers.RepeatedCompositeFieldContainer[Box]
    status: ImageStatus
    revision: int
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, dataset: _Optional[str] = ..., image_id: _Optional[str] = ..., boxes: _Optional[_Iterable[_Union[Box, _Mapping]]] = ..., status: _Optional[_Union[ImageStatus, str]] = ..., revision: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class SaveAnnotationsRequest(_message.Message):
    __slots__ = ("dataset", "image_id", "base_revision", "boxes", "status", "editor", "client_edit_id")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    BASE_REVISION_FIELD_NUMBER: _ClassVar[int]
    BOXES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EDITOR_FIELD_NUMBER: _ClassVar[int]
    CLIENT_EDIT_ID_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    image_id: str
    base_revision: int
    boxes: _containers.RepeatedCompositeFieldContainer[Box]
    status: ImageStatus
    editor: str
    client_edit_id: str
    def __init__(self, dataset: _Optional[str] = ..., image_id: _Optional[str] = ..., base_revision: _Optional[int] = ..., boxes: _Optional[_Iterable[_Union[Box, _Mapping]]] = ..., status: _Optional[_Union[ImageStatus, str]] = ..., editor: _Optional[str] = ..., client_edit_id: _Optional[str] = ...) -> None: ...

class GetDatasetStatsRequest(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    def __init__(self, dataset: _Optional[str] = ...) -> None: ...

class HistogramBin(_message.Message):
    __slots__ = ("low", "high", "count")
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    low: float
    high: float
    count: int
    def __init__(self, low: _Optional[float] = ..., high: _Optional[float] = ..., count: _Optional[int] = ...) -> None: ...

class DatasetStats(_message.Message):
    __slots__ = ("dataset", "images_by_status", "boxes_by_class", "box_size_histogram", "images_without_boxes", "image_count", "box_count")
    class ImagesByStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class BoxesByClassEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    DATASET_FIELD_NUMBER: _ClassVar[int]
    IMAGES_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    BOXES_BY_CLASS_FIELD_NUMBER: _ClassVar[int]
    BOX_SIZE_HISTOGRAM_FIELD_NUMBER: _ClassVar[int]
    IMAGES_WITHOUT_BOXES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    BOX_COUNT_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    images_by_status: _containers.ScalarMap[str, int]
    boxes_by_class: _containers.ScalarMap[str, int]
    box_size_histogram: _containers.RepeatedCompositeFieldContainer[HistogramBin]
    images_without_boxes: int
    image_count: int
    box_count: int
    def __init__(self, dataset: _Optional[str] = ..., images_by_status: _Optional[_Mapping[str, int]] = ..., boxes_by_class: _Optional[_Mapping[str, int]] = ..., box_size_histogram: _Optional[_Iterable[_Union[HistogramBin, _Mapping]]] = ..., images_without_boxes: _Optional[int] = ..., image_count: _Optional[int] = ..., box_count: _Optional[int] = ...) -> None: ...

class ImportDatasetSpec(_message.Message):
    __slots__ = ("path", "format", "name", "classes")
    PATH_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    path: str
    format: str
    name: str
    classes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, path: _Optional[str] = ..., format: _Optional[str] = ..., name: _Optional[str] = ..., classes: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportDatasetSpec(_message.Message):
    __slots__ = ("dataset", "out", "format", "split", "seed", "statuses")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    OUT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    out: str
    format: str
    split: _containers.RepeatedScalarFieldContainer[float]
    seed: int
    statuses: _containers.RepeatedScalarFieldContainer[ImageStatus]
    def __init__(self, dataset: _Optional[str] = ..., out: _Optional[str] = ..., format: _Optional[str] = ..., split: _Optional[_Iterable[float]] = ..., seed: _Optional[int] = ..., statuses: _Optional[_Iterable[_Union[ImageStatus, str]]] = ...) -> None: ...
