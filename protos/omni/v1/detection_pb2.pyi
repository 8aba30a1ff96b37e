from google.api import annotations_pb2 as _annotations_pb2
from protos.omni.v1 import datasets_pb2 as _datasets_pb2
from protos.omni.v1 import models_pb2 as _models_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TrainDetectionSpec(_message.Message):
    __slots__ = ("dataset", "data", "model", "epochs", "imgsz", "batch", "device", "preset", "augment", "seed", "workers", "val_fraction", "statuses", "patience")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    IMGSZ_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    PRESET_FIELD_NUMBER: _ClassVar[int]
    AUGMENT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    VAL_FRACTION_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    PATIENCE_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    data: str
    model: str
    epochs: int
    imgsz: int
    batch: int
    device: str
    preset: str
    augment: _containers.RepeatedScalarFieldContainer[str]
    seed: int
    workers: int
    val_fraction: float
    statuses: _containers.RepeatedScalarFieldContainer[_datasets_pb2.ImageStatus]
    patience: int
    def __init__(self, dataset: _Optional[str] = ..., data: _Optional[str] = ..., model: _Optional[str] = ..., epochs: _Optional[int] = ..., imgsz: _Optional[int] = ..., batch: _Optional[int] = ..., device: _Optional[str] = ..., preset: _Optional[str] = ..., augment: _Optional[_Iterable[str]] = ..., seed: _Optional[int] = ..., workers: _Optional[int] = ..., val_fraction: _Optional[float] = ..., statuses: _Optional[_Iterable[_Union[_datasets_pb2.ImageStatus, str]]] = ..., patience: _Optional[int] = ...) -> None: ...

class DetectBatchSpec(_message.Message):
    __slots__ = ("input", "out", "model", "conf", "iou", "recursive", "overwrite", "require_provider", "max_det")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CONF_FIELD_NUMBER: _ClassVar[int]
    IOU_FIELD_NUMBER: _ClassVar[int]
    RECURSIVE_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MAX_DET_FIELD_NUMBER: _ClassVar[int]
    input: str
    out: str
    model: str
    conf: float
    iou: float
    recursive: bool
    overwrite: bool
    require_provider: str
    max_det: int
    def __init__(self, input: _Optional[str] = ..., out: _Optional[str] = ..., model: _Optional[str] = ..., conf: _Optional[float] = ..., iou: _Optional[float] = ..., recursive: _Optional[bool] = ..., overwrite: _Optional[bool] = ..., require_provider: _Optional[str] = ..., max_det: _Optional[int] = ...) -> None: ...

class PrelabelSpec(_message.Message):
    __slots__ = ("dataset", "model", "conf", "iou", "max_det", "require_provider")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CONF_FIELD_NUMBER: _ClassVar[int]
    IOU_FIELD_NUMBER: _ClassVar[int]
    MAX_DET_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    model: str
    conf: float
    iou: float
    max_det: int
    require_provider: str
    def __init__(self, dataset: _Optional[str] = ..., model: _Optional[str] = ..., conf: _Optional[float] = ..., iou: _Optional[float] = ..., max_det: _Optional[int] = ..., require_provider: _Optional[str] = ...) -> None: ...

class SuggestBoxesRequest(_message.Message):
    __slots__ = ("dataset", "image_id", "model", "conf", "iou", "max_det")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    IMAGE_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CONF_FIELD_NUMBER: _ClassVar[int]
    IOU_FIELD_NUMBER: _ClassVar[int]
    MAX_DET_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    image_id: str
    model: str
    conf: float
    iou: float
    max_det: int
    def __init__(self, dataset: _Optional[str] = ..., image_id: _Optional[str] = ..., model: _Optional[str] = ..., conf: _Optional[float] = ..., iou: _Optional[float] = ..., max_det: _Optional[int] = ...) -> None: ...

class SuggestBoxesResponse(_message.Message):
    __slots__ = ("boxes", "model_version", "provider", "unmapped_classes", "inference_ms", "width", "height")
    BOXES_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    UNMAPPED_CLASSES_FIELD_NUMBER: _ClassVar[int]
    INFERENCE_MS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    boxes: _containers.RepeatedCompositeFieldContainer[_datasets_pb2.Box]
    model_version: str
    provider: str
    unmapped_classes: _containers.RepeatedScalarFieldContainer[str]
    inference_ms: float
    width: int
    height: int
    def __init__(self, boxes: _Optional[_Iterable[_Union[_datasets_pb2.Box, _Mapping]]] = ..., model_version: _Optional[str] = ..., provider: _Optional[str] = ..., unmapped_classes: _Optional[_Iterable[str]] = ..., inference_ms: _Optional[float] = ..., width: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...

class ImportDetectorRequest(_message.Message):
    __slots__ = ("path", "data", "filename", "kind", "description")
    PATH_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    path: str
    data: bytes
    filename: str
    kind: str
    description: str
    def __init__(self, path: _Optional[str] = ..., data: _Optional[bytes] = ..., filename: _Optional[str] = ..., kind: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...
