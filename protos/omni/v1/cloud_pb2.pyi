from google.api import annotations_pb2 as _annotations_pb2
from protos.omni.v1 import detection_pb2 as _detection_pb2
from protos.omni.v1 import training_pb2 as _training_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SageMakerTarget(_message.Message):
    __slots__ = ("instance_type", "instance_count", "spot", "max_run_seconds", "max_wait_seconds", "role", "region", "image", "volume_gb")
    INSTANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SPOT_FIELD_NUMBER: _ClassVar[int]
    MAX_RUN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_WAIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    VOLUME_GB_FIELD_NUMBER: _ClassVar[int]
    instance_type: str
    instance_count: int
    spot: bool
    max_run_seconds: int
    max_wait_seconds: int
    role: str
    region: str
    image: str
    volume_gb: int
    def __init__(self, instance_type: _Optional[str] = ..., instance_count: _Optional[int] = ..., spot: _Optional[bool] = ..., max_run_seconds: _Optional[int] = ..., max_wait_seconds: _Optional[int] = ..., role: _Optional[str] = ..., region: _Optional[str] = ..., image: _Optional[str] = ..., volume_gb: _Optional[int] = ...) -> None: ...

class SageMakerTrainSpec(_message.Message):
    __slots__ = ("restoration", "detection", "target", "training_job_name")
    RESTORATION_FIELD_NUMBER: _ClassVar[int]
    DETECTION_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TRAINING_JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    restoration: _training_pb2.TrainRestorationSpec
    detection: _detection_pb2.TrainDetectionSpec
    target: SageMakerTarget
    training_job_name: str
    def __init__(self, restoration: _Optional[_Union[_training_pb2.TrainRestorationSpec, _Mapping]] = ..., detection: _Optional[_Union[_detection_pb2.TrainDetectionSpec, _Mapping]] = ..., target: _Optional[_Union[SageMakerTarget, _Mapping]] = ..., training_job_name: _Optional[str] = ...) -> None: ...

class CostEstimate(_message.Message):
    __slots__ = ("usd_per_hour", "instance_count", "max_hours", "max_usd_on_demand", "max_usd_expected", "spot_saving_assumed", "source", "summary")
    USD_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MAX_HOURS_FIELD_NUMBER: _ClassVar[int]
    MAX_USD_ON_DEMAND_FIELD_NUMBER: _ClassVar[int]
    MAX_USD_EXPECTED_FIELD_NUMBER: _ClassVar[int]
    SPOT_SAVING_ASSUMED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    usd_per_hour: float
    instance_count: int
    max_hours: float
    max_usd_on_demand: float
    max_usd_expected: float
    spot_saving_assumed: float
    source: str
    summary: str
    def __init__(self, usd_per_hour: _Optional[float] = ..., instance_count: _Optional[int] = ..., max_hours: _Optional[float] = ..., max_usd_on_demand: _Optional[float] = ..., max_usd_expected: _Optional[float] = ..., spot_saving_assumed: _Optional[float] = ..., source: _Optional[str] = ..., summary: _Optional[str] = ...) -> None: ...

class PlanTrainingResponse(_message.Message):
    __slots__ = ("training_job_name", "request_json", "estimate", "uploads")
    TRAINING_JOB_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_JSON_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    UPLOADS_FIELD_NUMBER: _ClassVar[int]
    training_job_name: str
    request_json: str
    estimate: CostEstimate
    uploads: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, training_job_name: _Optional[str] = ..., request_json: _Optional[str] = ..., estimate: _Optional[_Union[CostEstimate, _Mapping]] = ..., uploads: _Optional[_Iterable[str]] = ...) -> None: ...

class InstanceType(_message.Message):
    __slots__ = ("name", "gpus", "usd_per_hour")
    NAME_FIELD_NUMBER: _ClassVar[int]
    GPUS_FIELD_NUMBER: _ClassVar[int]
    USD_PER_HOUR_FIELD_NUMBER: _ClassVar[int]
    name: str
    gpus: int
    usd_per_hour: float
    def __init__(self, name: _Optional[str] = ..., gpus: _Optional[int] = ..., usd_per_hour: _Optional[float] = ...) -> None: ...

class ListInstanceTypesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListInstanceTypesResponse(_message.Message):
    __slots__ = ("instance_types", "price_source")
    INSTANCE_TYPES_FIELD_NUMBER: _ClassVar[int]
    PRICE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    instance_types: _containers.RepeatedCompositeFieldContainer[InstanceType]
    price_source: str
    def __init__(self, instance_types: _Optional[_Iterable[_Union[InstanceType, _Mapping]]] = ..., price_source: _Optional[str] = ...) -> None: ...

class DeploySpec(_message.Message):
    __slots__ = ("version", "name", "memory_mb", "max_concurrency", "conf", "iou", "max_det", "role", "region", "image")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    CONF_FIELD_NUMBER: _ClassVar[int]
    IOU_FIELD_NUMBER: _ClassVar[int]
    MAX_DET_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    version: str
    name: str
    memory_mb: int
    max_concurrency: int
    conf: float
    iou: float
    max_det: int
    role: str
    region: str
    image: str
    def __init__(self, version: _Optional[str] = ..., name: _Optional[str] = ..., memory_mb: _Optional[int] = ..., max_concurrency: _Optional[int] = ..., conf: _Optional[float] = ..., iou: _Optional[float] = ..., max_det: _Optional[int] = ..., role: _Optional[str] = ..., region: _Optional[str] = ..., image: _Optional[str] = ...) -> None: ...

class Endpoint(_message.Message):
    __slots__ = ("name", "status", "version", "memory_mb", "max_concurrency", "failure_reason", "arn")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    ARN_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: str
    version: str
    memory_mb: int
    max_concurrency: int
    failure_reason: str
    arn: str
    def __init__(self, name: _Optional[str] = ..., status: _Optional[str] = ..., version: _Optional[str] = ..., memory_mb: _Optional[int] = ..., max_concurrency: _Optional[int] = ..., failure_reason: _Optional[str] = ..., arn: _Optional[str] = ...) -> None: ...

class ListEndpointsRequest(_message.Message):
    __slots__ = ("region",)
    REGION_FIELD_NUMBER: _ClassVar[int]
    region: str
    def __init__(self, region: _Optional[str] = ...) -> None: ...

class ListEndpointsResponse(_message.Message):
    __slots__ = ("endpoints",)
    ENDPOINTS_FIELD_NUMBER: _ClassVar[int]
    endpoints: _containers.RepeatedCompositeFieldContainer[Endpoint]
    def __init__(self, endpoints: _Optional[_Iterable[_Union[Endpoint, _Mapping]]] = ...) -> None: ...

class InvokeEndpointRequest(_message.Message):
    __slots__ = ("name", "content_type", "body", "region")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    name: str
    content_type: str
    body: bytes
    region: str
    def __init__(self, name: _Optional[str] = ..., content_type: _Optional[str] = ..., body: _Optional[bytes] = ..., region: _Optional[str] = ...) -> None: ...

class InvokeEndpointResponse(_message.Message):
    __slots__ = ("content_type", "body")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    body: bytes
    def __init__(self, content_type: _Optional[str] = ..., body: _Optional[bytes] = ...) -> None: ...

class DeleteEndpointRequest(_message.Message):
    __slots__ = ("name", "region")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    name: str
    region: str
    def __init__(self, name: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class DeleteEndpointResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
