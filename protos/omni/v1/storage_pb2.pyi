from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RemoteLayout(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REMOTE_LAYOUT_UNSPECIFIED: _ClassVar[RemoteLayout]
    REMOTE_LAYOUT_BUCKETS: _ClassVar[RemoteLayout]
    REMOTE_LAYOUT_PREFIX: _ClassVar[RemoteLayout]

class Location(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOCATION_UNSPECIFIED: _ClassVar[Location]
    LOCATION_LOCAL: _ClassVar[Location]
    LOCATION_REMOTE: _ClassVar[Location]
    LOCATION_BOTH: _ClassVar[Location]
    LOCATION_DIFFERS: _ClassVar[Location]

class RemoteProblem(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REMOTE_PROBLEM_UNSPECIFIED: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_UNREACHABLE: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_TLS_VERIFICATION: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_CREDENTIALS_MISSING: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_UNKNOWN_ACCESS_KEY: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_WRONG_SECRET: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_PERMISSION_DENIED: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_BUCKET_MISSING: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_CLOCK_SKEW: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_CHECKSUM_MISMATCH: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_UNAVAILABLE: _ClassVar[RemoteProblem]
    REMOTE_PROBLEM_OTHER: _ClassVar[RemoteProblem]

class SyncState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_STATE_UNSPECIFIED: _ClassVar[SyncState]
    SYNC_STATE_LOCAL_ONLY: _ClassVar[SyncState]
    SYNC_STATE_REMOTE_ONLY: _ClassVar[SyncState]
    SYNC_STATE_SAME: _ClassVar[SyncState]
    SYNC_STATE_DIFFERENT: _ClassVar[SyncState]
REMOTE_LAYOUT_UNSPECIFIED: RemoteLayout
REMOTE_LAYOUT_BUCKETS: RemoteLayout
REMOTE_LAYOUT_PREFIX: RemoteLayout
LOCATION_UNSPECIFIED: Location
LOCATION_LOCAL: Location
LOCATION_REMOTE: Location
LOCATION_BOTH: Location
LOCATION_DIFFERS: Location
REMOTE_PROBLEM_UNSPECIFIED: RemoteProblem
REMOTE_PROBLEM_UNREACHABLE: RemoteProblem
REMOTE_PROBLEM_TLS_VERIFICATION: RemoteProblem
REMOTE_PROBLEM_CREDENTIALS_MISSING: RemoteProblem
REMOTE_PROBLEM_UNKNOWN_ACCESS_KEY: RemoteProblem
REMOTE_PROBLEM_WRONG_SECRET: RemoteProblem
REMOTE_PROBLEM_PERMISSION_DENIED: RemoteProblem
REMOTE_PROBLEM_BUCKET_MISSING: RemoteProblem
REMOTE_PROBLEM_CLOCK_SKEW: RemoteProblem
REMOTE_PROBLEM_CHECKSUM_MISMATCH: RemoteProblem
REMOTE_PROBLEM_UNAVAILABLE: RemoteProblem
REMOTE_PROBLEM_OTHER: RemoteProblem
SYNC_STATE_UNSPECIFIED: SyncState
SYNC_STATE_LOCAL_ONLY: SyncState
SYNC_STATE_REMOTE_ONLY: SyncState
SYNC_STATE_SAME: SyncState
SYNC_STATE_DIFFERENT: SyncState

class RemoteConfig(_message.Message):
    __slots__ = ("configured", "url", "endpoint", "region", "layout", "bucket_prefix", "insecure_tls", "credentials_source", "access_key_hint", "locations", "profile", "credentials_file")
    CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    LAYOUT_FIELD_NUMBER: _ClassVar[int]
    BUCKET_PREFIX_FIELD_NUMBER: _ClassVar[int]
    INSECURE_TLS_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_SOURCE_FIELD_NUMBER: _ClassVar[int]
    ACCESS_KEY_HINT_FIELD_NUMBER: _ClassVar[int]
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FILE_FIELD_NUMBER: _ClassVar[int]
    configured: bool
    url: str
    endpoint: str
    region: str
    layout: RemoteLayout
    bucket_prefix: str
    insecure_tls: bool
    credentials_source: str
    access_key_hint: str
    locations: _containers.RepeatedScalarFieldContainer[str]
    profile: str
    credentials_file: str
    def __init__(self, configured: _Optional[bool] = ..., url: _Optional[str] = ..., endpoint: _Optional[str] = ..., region: _Optional[str] = ..., layout: _Optional[_Union[RemoteLayout, str]] = ..., bucket_prefix: _Optional[str] = ..., insecure_tls: _Optional[bool] = ..., credentials_source: _Optional[str] = ..., access_key_hint: _Optional[str] = ..., locations: _Optional[_Iterable[str]] = ..., profile: _Optional[str] = ..., credentials_file: _Optional[str] = ...) -> None: ...

class GetRemoteRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetRemoteRequest(_message.Message):
    __slots__ = ("url", "endpoint", "region", "layout", "bucket_prefix", "insecure_tls", "profile", "credentials_file", "access_key_id", "secret_access_key", "session_token")
    URL_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    LAYOUT_FIELD_NUMBER: _ClassVar[int]
    BUCKET_PREFIX_FIELD_NUMBER: _ClassVar[int]
    INSECURE_TLS_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FILE_FIELD_NUMBER: _ClassVar[int]
    ACCESS_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_ACCESS_KEY_FIELD_NUMBER: _ClassVar[int]
    SESSION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    url: str
    endpoint: str
    region: str
    layout: RemoteLayout
    bucket_prefix: str
    insecure_tls: bool
    profile: str
    credentials_file: str
    access_key_id: str
    secret_access_key: str
    session_token: str
    def __init__(self, url: _Optional[str] = ..., endpoint: _Optional[str] = ..., region: _Optional[str] = ..., layout: _Optional[_Union[RemoteLayout, str]] = ..., bucket_prefix: _Optional[str] = ..., insecure_tls: _Optional[bool] = ..., profile: _Optional[str] = ..., credentials_file: _Optional[str] = ..., access_key_id: _Optional[str] = ..., secret_access_key: _Optional[str] = ..., session_token: _Optional[str] = ...) -> None: ...

class UnsetRemoteRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UnsetRemoteResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CheckRemoteRequest(_message.Message):
    __slots__ = ("create_buckets",)
    CREATE_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    create_buckets: bool
    def __init__(self, create_buckets: _Optional[bool] = ...) -> None: ...

class RemoteCheckStep(_message.Message):
    __slots__ = ("name", "ok", "detail", "millis", "problem")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    MILLIS_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    name: str
    ok: bool
    detail: str
    millis: float
    problem: RemoteProblem
    def __init__(self, name: _Optional[str] = ..., ok: _Optional[bool] = ..., detail: _Optional[str] = ..., millis: _Optional[float] = ..., problem: _Optional[_Union[RemoteProblem, str]] = ...) -> None: ...

class RemoteCheck(_message.Message):
    __slots__ = ("ok", "remote", "steps", "round_trip_ms", "problem")
    OK_FIELD_NUMBER: _ClassVar[int]
    REMOTE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    ROUND_TRIP_MS_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    remote: RemoteConfig
    steps: _containers.RepeatedCompositeFieldContainer[RemoteCheckStep]
    round_trip_ms: float
    problem: RemoteProblem
    def __init__(self, ok: _Optional[bool] = ..., remote: _Optional[_Union[RemoteConfig, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[RemoteCheckStep, _Mapping]]] = ..., round_trip_ms: _Optional[float] = ..., problem: _Optional[_Union[RemoteProblem, str]] = ...) -> None: ...

class SyncSelection(_message.Message):
    __slots__ = ("models", "datasets", "reports", "checkpoints", "all", "every_model", "every_dataset")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    EVERY_MODEL_FIELD_NUMBER: _ClassVar[int]
    EVERY_DATASET_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedScalarFieldContainer[str]
    datasets: _containers.RepeatedScalarFieldContainer[str]
    reports: bool
    checkpoints: bool
    all: bool
    every_model: bool
    every_dataset: bool
    def __init__(self, models: _Optional[_Iterable[str]] = ..., datasets: _Optional[_Iterable[str]] = ..., reports: _Optional[bool] = ..., checkpoints: _Optional[bool] = ..., all: _Optional[bool] = ..., every_model: _Optional[bool] = ..., every_dataset: _Optional[bool] = ...) -> None: ...

class SyncSpec(_message.Message):
    __slots__ = ("selection", "dry_run", "overwrite")
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    selection: SyncSelection
    dry_run: bool
    overwrite: bool
    def __init__(self, selection: _Optional[_Union[SyncSelection, _Mapping]] = ..., dry_run: _Optional[bool] = ..., overwrite: _Optional[bool] = ...) -> None: ...

class SyncEntry(_message.Message):
    __slots__ = ("key", "state", "group", "local_size", "remote_size", "local_sha256", "remote_sha256")
    KEY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    LOCAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    REMOTE_SIZE_FIELD_NUMBER: _ClassVar[int]
    LOCAL_SHA256_FIELD_NUMBER: _ClassVar[int]
    REMOTE_SHA256_FIELD_NUMBER: _ClassVar[int]
    key: str
    state: SyncState
    group: str
    local_size: int
    remote_size: int
    local_sha256: str
    remote_sha256: str
    def __init__(self, key: _Optional[str] = ..., state: _Optional[_Union[SyncState, str]] = ..., group: _Optional[str] = ..., local_size: _Optional[int] = ..., remote_size: _Optional[int] = ..., local_sha256: _Optional[str] = ..., remote_sha256: _Optional[str] = ...) -> None: ...

class SyncStatusRequest(_message.Message):
    __slots__ = ("selection", "include_same")
    SELECTION_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SAME_FIELD_NUMBER: _ClassVar[int]
    selection: SyncSelection
    include_same: bool
    def __init__(self, selection: _Optional[_Union[SyncSelection, _Mapping]] = ..., include_same: _Optional[bool] = ...) -> None: ...

class SyncStatusResponse(_message.Message):
    __slots__ = ("remote", "entries", "local_only", "remote_only", "same", "different", "seconds")
    REMOTE_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    LOCAL_ONLY_FIELD_NUMBER: _ClassVar[int]
    REMOTE_ONLY_FIELD_NUMBER: _ClassVar[int]
    SAME_FIELD_NUMBER: _ClassVar[int]
    DIFFERENT_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    remote: RemoteConfig
    entries: _containers.RepeatedCompositeFieldContainer[SyncEntry]
    local_only: int
    remote_only: int
    same: int
    different: int
    seconds: float
    def __init__(self, remote: _Optional[_Union[RemoteConfig, _Mapping]] = ..., entries: _Optional[_Iterable[_Union[SyncEntry, _Mapping]]] = ..., local_only: _Optional[int] = ..., remote_only: _Optional[int] = ..., same: _Optional[int] = ..., different: _Optional[int] = ..., seconds: _Optional[float] = ...) -> None: ...
