from google.api import annotations_pb2 as _annotations_pb2
from protos.omni.v1 import tokens_pb2 as _tokens_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetSystemInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GpuInfo(_message.Message):
    __slots__ = ("name", "memory_total_bytes", "memory_free_bytes", "driver")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEMORY_TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FREE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DRIVER_FIELD_NUMBER: _ClassVar[int]
    name: str
    memory_total_bytes: int
    memory_free_bytes: int
    driver: str
    def __init__(self, name: _Optional[str] = ..., memory_total_bytes: _Optional[int] = ..., memory_free_bytes: _Optional[int] = ..., driver: _Optional[str] = ...) -> None: ...

class SystemInfo(_message.Message):
    __slots__ = ("version", "api_version", "hostname", "platform", "python_version", "cpu_count", "cpu_model", "memory_total_bytes", "memory_available_bytes", "gpus", "onnxruntime_providers", "onnxruntime_version", "torch_version", "workspace", "storage", "auth_required", "tls", "host_paths_allowed", "uptime_seconds", "max_concurrent_jobs", "disk_free_bytes", "caller_token", "caller_role")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    PYTHON_VERSION_FIELD_NUMBER: _ClassVar[int]
    CPU_COUNT_FIELD_NUMBER: _ClassVar[int]
    CPU_MODEL_FIELD_NUMBER: _ClassVar[int]
    MEMORY_TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEMORY_AVAILABLE_BYTES_FIELD_NUMBER: _ClassVar[int]
    GPUS_FIELD_NUMBER: _ClassVar[int]
    ONNXRUNTIME_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    ONNXRUNTIME_VERSION_FIELD_NUMBER: _ClassVar[int]
    TORCH_VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKSPACE_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FIELD_NUMBER: _ClassVar[int]
    AUTH_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    TLS_FIELD_NUMBER: _ClassVar[int]
    HOST_PATHS_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_JOBS_FIELD_NUMBER: _ClassVar[int]
    DISK_FREE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CALLER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CALLER_ROLE_FIELD_NUMBER: _ClassVar[int]
    version: str
    api_version: str
    hostname: str
    platform: str
    python_version: str
    cpu_count: int
    cpu_model: str
    memory_total_bytes: int
    memory_available_bytes: int
    gpus: _containers.RepeatedCompositeFieldContainer[GpuInfo]
    onnxruntime_providers: _containers.RepeatedScalarFieldContainer[str]
    onnxruntime_version: str
    torch_version: str
    workspace: str
    storage: str
    auth_required: bool
    tls: bool
    host_paths_allowed: bool
    uptime_seconds: float
    max_concurrent_jobs: int
    disk_free_bytes: int
    caller_token: str
    caller_role: _tokens_pb2.Role
    def __init__(self, version: _Optional[str] = ..., api_version: _Optional[str] = ..., hostname: _Optional[str] = ..., platform: _Optional[str] = ..., python_version: _Optional[str] = ..., cpu_count: _Optional[int] = ..., cpu_model: _Optional[str] = ..., memory_total_bytes: _Optional[int] = ..., memory_available_bytes: _Optional[int] = ..., gpus: _Optional[_Iterable[_Union[GpuInfo, _Mapping]]] = ..., onnxruntime_providers: _Optional[_Iterable[str]] = ..., onnxruntime_version: _Optional[str] = ..., torch_version: _Optional[str] = ..., workspace: _Optional[str] = ..., storage: _Optional[str] = ..., auth_required: _Optional[bool] = ..., tls: _Optional[bool] = ..., host_paths_allowed: _Optional[bool] = ..., uptime_seconds: _Optional[float] = ..., max_concurrent_jobs: _Optional[int] = ..., disk_free_bytes: _Optional[int] = ..., caller_token: _Optional[str] = ..., caller_role: _Optional[_Union[_tokens_pb2.Role, str]] = ...) -> None: ...
