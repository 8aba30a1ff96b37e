import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from protos.omni.v1 import storage_pb2 as _storage_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ModelVersion(_message.Message):
    __slots__ = ("version", "kind", "layer", "current", "created_at", "metrics", "architecture", "parameters", "size_bytes", "parent_version", "files", "card_json", "job_id", "location", "tier")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class FilesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LAYER_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    PARENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    CARD_JSON_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    version: str
    kind: str
    layer: str
    current: bool
    created_at: _timestamp_pb2.Timestamp
    metrics: _containers.ScalarMap[str, float]
    architecture: str
    parameters: int
    size_bytes: int
    parent_version: str
    files: _containers.ScalarMap[str, str]
    card_json: str
    job_id: str
    location: _storage_pb2.Location
    tier: str
    def __init__(self, version: _Optional[str] = ..., kind: _Optional[str] = ..., layer: _Optional[str] = ..., current: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metrics: _Optional[_Mapping[str, float]] = ..., architecture: _Optional[str] = ..., parameters: _Optional[int] = ..., size_bytes: _Optional[int] = ..., parent_version: _Optional[str] = ..., files: _Optional[_Mapping[str, str]] = ..., card_json: _Optional[str] = ..., job_id: _Optional[str] = ..., location: _Optional[_Union[_storage_pb2.Location, str]] = ..., tier: _Optional[str] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ("kind", "layer", "include_remote")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LAYER_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REMOTE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    layer: str
    include_remote: bool
    def __init__(self, kind: _Optional[str] = ..., layer: _Optional[str] = ..., include_remote: _Optional[bool] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelVersion]
    def __init__(self, models: _Optional[_Iterable[_Union[ModelVersion, _Mapping]]] = ...) -> None: ...

class GetModelRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    def __init__(self, version: _Optional[str] = ...) -> None: ...

class PromoteModelRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    def __init__(self, version: _Optional[str] = ...) -> None: ...

class DeleteModelRequest(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: str
    def __init__(self, version: _Optional[str] = ...) -> None: ...

class DeleteModelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CompareModelsRequest(_message.Message):
    __slots__ = ("a", "b")
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    a: str
    b: str
    def __init__(self, a: _Optional[str] = ..., b: _Optional[str] = ...) -> None: ...

class MetricComparison(_message.Message):
    __slots__ = ("name", "a", "b", "change")
    NAME_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    a: float
    b: float
    change: float
    def __init__(self, name: _Optional[str] = ..., a: _Optional[float] = ..., b: _Optional[float] = ..., change: _Optional[float] = ...) -> None: ...

class CompareModelsResponse(_message.Message):
    __slots__ = ("a", "b", "metrics")
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    a: ModelVersion
    b: ModelVersion
    metrics: _containers.RepeatedCompositeFieldContainer[MetricComparison]
    def __init__(self, a: _Optional[_Union[ModelVersion, _Mapping]] = ..., b: _Optional[_Union[ModelVersion, _Mapping]] = ..., metrics: _Optional[_Iterable[_Union[MetricComparison, _Mapping]]] = ...) -> None: ...
