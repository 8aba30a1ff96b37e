import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from protos.omni.v1 import batch_pb2 as _batch_pb2
from protos.omni.v1 import synthetic_pb2 as _synthetic_pb2
from protos.omni.v1 import training_pb2 as _training_pb2
from protos.omni.v1 import datasets_pb2 as _datasets_pb2
from protos.omni.v1 import detection_pb2 as _detection_pb2
from protos.omni.v1 import storage_pb2 as _storage_pb2
from protos.omni.v1 import cloud_pb2 as _cloud_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_QUEUED: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_SUCCEEDED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_CANCELLED: _ClassVar[JobState]
    JOB_STATE_INTERRUPTED: _ClassVar[JobState]

class ParameterType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARAMETER_TYPE_UNSPECIFIED: _ClassVar[ParameterType]
    PARAMETER_TYPE_INT: _ClassVar[ParameterType]
    PARAMETER_TYPE_FLOAT: _ClassVar[ParameterType]
    PARAMETER_TYPE_BOOL: _ClassVar[ParameterType]
    PARAMETER_TYPE_STRING: _ClassVar[ParameterType]
    PARAMETER_TYPE_CHOICE: _ClassVar[ParameterType]
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_QUEUED: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_SUCCEEDED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_CANCELLED: JobState
JOB_STATE_INTERRUPTED: JobState
PARAMETER_TYPE_UNSPECIFIED: ParameterType
PARAMETER_TYPE_INT: ParameterType
PARAMETER_TYPE_FLOAT: ParameterType
PARAMETER_TYPE_BOOL: ParameterType
PARAMETER_TYPE_STRING: ParameterType
PARAMETER_TYPE_CHOICE: ParameterType

class JobSpec(_message.Message):
    __slots__ = ("notify_url", "synth_restoration", "synth_detection", "train_restoration", "evaluate", "restore_batch", "import_dataset", "export_dataset", "train_detection", "detect_batch", "prelabel", "sync_push", "sync_pull", "train_sagemaker", "deploy_endpoint")
    NOTIFY_URL_FIELD_NUMBER: _ClassVar[int]
    SYNTH_RESTORATION_FIELD_NUMBER: _ClassVar[int]
    SYNTH_DETECTION_FIELD_NUMBER: _ClassVar[int]
    TRAIN_RESTORATION_FIELD_NUMBER: _ClassVar[int]
    EVALUATE_FIELD_NUMBER: _ClassVar[int]
    RESTORE_BATCH_FIELD_NUMBER: _ClassVar[int]
    IMPORT_DATASET_FIELD_NUMBER: _ClassVar[int]
    EXPORT_DATASET_FIELD_NUMBER: _ClassVar[int]
    TRAIN_DETECTION_FIELD_NUMBER: _ClassVar[int]
    DETECT_BATCH_FIELD_NUMBER: _ClassVar[int]
    PRELABEL_FIELD_NUMBER: _ClassVar[int]
    SYNC_PUSH_FIELD_NUMBER: _ClassVar[int]
    SYNC_PULL_FIELD_NUMBER: _ClassVar[int]
    TRAIN_SAGEMAKER_FIELD_NUMBER: _ClassVar[int]
    DEPLOY_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    notify_url: str
    synth_restoration: _synthetic_pb2.SynthRestorationSpec
    synth_detection: _synthetic_pb2.SynthDetectionSpec
    train_restoration: _training_pb2.TrainRestorationSpec
    evaluate: _training_pb2.EvaluateSpec
    restore_batch: _batch_pb2.RestoreBatchSpec
    import_dataset: _datasets_pb2.ImportDatasetSpec
    export_dataset: _datasets_pb2.ExportDatasetSpec
    train_detection: _detection_pb2.TrainDetectionSpec
    detect_batch: _detection_pb2.DetectBatchSpec
    prelabel: _detection_pb2.PrelabelSpec
    sync_push: _storage_pb2.SyncSpec
    sync_pull: _storage_pb2.SyncSpec
    train_sagemaker: _cloud_pb2.SageMakerTrainSpec
    deploy_endpoint: _cloud_pb2.DeploySpec
    def __init__(self, notify_url: _Optional[str] = ..., synth_restoration: _Optional[_Union[_synthetic_pb2.SynthRestorationSpec, _Mapping]] = ..., synth_detection: _Optional[_Union[_synthetic_pb2.SynthDetectionSpec, _Mapping]] = ..., train_restoration: _Optional[_Union[_training_pb2.TrainRestorationSpec, _Mapping]] = ..., evaluate: _Optional[_Union[_training_pb2.EvaluateSpec, _Mapping]] = ..., restore_batch: _Optional[_Union[_batch_pb2.RestoreBatchSpec, _Mapping]] = ..., import_dataset: _Optional[_Union[_datasets_pb2.ImportDatasetSpec, _Mapping]] = ..., export_dataset: _Optional[_Union[_datasets_pb2.ExportDatasetSpec, _Mapping]] = ..., train_detection: _Optional[_Union[_detection_pb2.TrainDetectionSpec, _Mapping]] = ..., detect_batch: _Optional[_Union[_detection_pb2.DetectBatchSpec, _Mapping]] = ..., prelabel: _Optional[_Union[_detection_pb2.PrelabelSpec, _Mapping]] = ..., sync_push: _Optional[_Union[_storage_pb2.SyncSpec, _Mapping]] = ..., sync_pull: _Optional[_Union[_storage_pb2.SyncSpec, _Mapping]] = ..., train_sagemaker: _Optional[_Union[_cloud_pb2.SageMakerTrainSpec, _Mapping]] = ..., deploy_endpoint: _Optional[_Union[_cloud_pb2.DeploySpec, _Mapping]] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("done", "total", "eta_seconds", "rate", "unit", "message")
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    ETA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    done: int
    total: int
    eta_seconds: float
    rate: float
    unit: str
    message: str
    def __init__(self, done: _Optional[int] = ..., total: _Optional[int] = ..., eta_seconds: _Optional[float] = ..., rate: _Optional[float] = ..., unit: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Metric(_message.Message):
    __slots__ = ("name", "value", "step", "epoch")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: float
    step: int
    epoch: int
    def __init__(self, name: _Optional[str] = ..., value: _Optional[float] = ..., step: _Optional[int] = ..., epoch: _Optional[int] = ...) -> None: ...

class LogLine(_message.Message):
    __slots__ = ("level", "message")
    class Level(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        LEVEL_UNSPECIFIED: _ClassVar[LogLine.Level]
        LEVEL_DEBUG: _ClassVar[LogLine.Level]
        LEVEL_INFO: _ClassVar[LogLine.Level]
        LEVEL_WARNING: _ClassVar[LogLine.Level]
        LEVEL_ERROR: _ClassVar[LogLine.Level]
    LEVEL_UNSPECIFIED: LogLine.Level
    LEVEL_DEBUG: LogLine.Level
    LEVEL_INFO: LogLine.Level
    LEVEL_WARNING: LogLine.Level
    LEVEL_ERROR: LogLine.Level
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    level: LogLine.Level
    message: str
    def __init__(self, level: _Optional[_Union[LogLine.Level, str]] = ..., message: _Optional[str] = ...) -> None: ...

class Artifact(_message.Message):
    __slots__ = ("key", "kind", "size_bytes", "sha256", "description")
    KEY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    key: str
    kind: str
    size_bytes: int
    sha256: str
    description: str
    def __init__(self, key: _Optional[str] = ..., kind: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ItemOutcome(_message.Message):
    __slots__ = ("input", "output", "ok", "reason", "skipped", "seconds", "size_bytes", "width", "height", "detections", "classes", "pages")
    class ClassesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    PAGES_FIELD_NUMBER: _ClassVar[int]
    input: str
    output: str
    ok: bool
    reason: str
    skipped: bool
    seconds: float
    size_bytes: int
    width: int
    height: int
    detections: int
    classes: _containers.ScalarMap[str, int]
    pages: int
    def __init__(self, input: _Optional[str] = ..., output: _Optional[str] = ..., ok: _Optional[bool] = ..., reason: _Optional[str] = ..., skipped: _Optional[bool] = ..., seconds: _Optional[float] = ..., size_bytes: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., detections: _Optional[int] = ..., classes: _Optional[_Mapping[str, int]] = ..., pages: _Optional[int] = ...) -> None: ...

class StateChange(_message.Message):
    __slots__ = ("state", "message")
    STATE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    state: JobState
    message: str
    def __init__(self, state: _Optional[_Union[JobState, str]] = ..., message: _Optional[str] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("job_id", "seq", "time", "progress", "metric", "log", "artifact", "state", "item", "evaluation")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    seq: int
    time: _timestamp_pb2.Timestamp
    progress: Progress
    metric: Metric
    log: LogLine
    artifact: Artifact
    state: StateChange
    item: ItemOutcome
    evaluation: _training_pb2.EvaluationResult
    def __init__(self, job_id: _Optional[str] = ..., seq: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., metric: _Optional[_Union[Metric, _Mapping]] = ..., log: _Optional[_Union[LogLine, _Mapping]] = ..., artifact: _Optional[_Union[Artifact, _Mapping]] = ..., state: _Optional[_Union[StateChange, _Mapping]] = ..., item: _Optional[_Union[ItemOutcome, _Mapping]] = ..., evaluation: _Optional[_Union[_training_pb2.EvaluationResult, _Mapping]] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("id", "kind", "state", "spec", "created_at", "started_at", "finished_at", "progress", "message", "last_seq", "resumable", "resumed_from", "outputs", "labels")
    class OutputsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    RESUMABLE_FIELD_NUMBER: _ClassVar[int]
    RESUMED_FROM_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    state: JobState
    spec: JobSpec
    created_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    progress: Progress
    message: str
    last_seq: int
    resumable: bool
    resumed_from: str
    outputs: _containers.ScalarMap[str, str]
    labels: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., spec: _Optional[_Union[JobSpec, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., message: _Optional[str] = ..., last_seq: _Optional[int] = ..., resumable: _Optional[bool] = ..., resumed_from: _Optional[str] = ..., outputs: _Optional[_Mapping[str, str]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SubmitJobRequest(_message.Message):
    __slots__ = ("spec", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    spec: JobSpec
    labels: _containers.ScalarMap[str, str]
    def __init__(self, spec: _Optional[_Union[JobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ("states", "kinds", "page_size", "page_token")
    STATES_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[JobState]
    kinds: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, states: _Optional[_Iterable[_Union[JobState, str]]] = ..., kinds: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class ResumeJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class WatchJobRequest(_message.Message):
    __slots__ = ("job_id", "after_seq")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    after_seq: int
    def __init__(self, job_id: _Optional[str] = ..., after_seq: _Optional[int] = ...) -> None: ...

class WatchJobResponse(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[JobEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[JobEvent, _Mapping]]] = ...) -> None: ...

class WatchJobsRequest(_message.Message):
    __slots__ = ("states", "kinds", "limit")
    STATES_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[JobState]
    kinds: _containers.RepeatedScalarFieldContainer[str]
    limit: int
    def __init__(self, states: _Optional[_Iterable[_Union[JobState, str]]] = ..., kinds: _Optional[_Iterable[str]] = ..., limit: _Optional[int] = ...) -> None: ...

class JobUpdate(_message.Message):
    __slots__ = ("job", "snapshot", "snapshot_done")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_DONE_FIELD_NUMBER: _ClassVar[int]
    job: Job
    snapshot: bool
    snapshot_done: bool
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ..., snapshot: _Optional[bool] = ..., snapshot_done: _Optional[bool] = ...) -> None: ...

class StringList(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class ParameterValue(_message.Message):
    __slots__ = ("int_value", "float_value", "bool_value", "string_value", "string_list")
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    FLOAT_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_LIST_FIELD_NUMBER: _ClassVar[int]
    int_value: int
    float_value: float
    bool_value: bool
    string_value: str
    string_list: StringList
    def __init__(self, int_value: _Optional[int] = ..., float_value: _Optional[float] = ..., bool_value: _Optional[bool] = ..., string_value: _Optional[str] = ..., string_list: _Optional[_Union[StringList, _Mapping]] = ...) -> None: ...

class SpecialValue(_message.Message):
    __slots__ = ("value", "meaning")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    MEANING_FIELD_NUMBER: _ClassVar[int]
    value: ParameterValue
    meaning: str
    def __init__(self, value: _Optional[_Union[ParameterValue, _Mapping]] = ..., meaning: _Optional[str] = ...) -> None: ...

class ParameterSpec(_message.Message):
    __slots__ = ("name", "label", "help", "type", "repeated", "default_value", "minimum", "maximum", "minimum_exclusive", "maximum_exclusive", "multiple_of", "choices", "specials", "suggestions", "unit")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    HELP_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REPEATED_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_EXCLUSIVE_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_EXCLUSIVE_FIELD_NUMBER: _ClassVar[int]
    MULTIPLE_OF_FIELD_NUMBER: _ClassVar[int]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    SPECIALS_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: str
    help: str
    type: ParameterType
    repeated: bool
    default_value: ParameterValue
    minimum: ParameterValue
    maximum: ParameterValue
    minimum_exclusive: bool
    maximum_exclusive: bool
    multiple_of: int
    choices: _containers.RepeatedScalarFieldContainer[str]
    specials: _containers.RepeatedCompositeFieldContainer[SpecialValue]
    suggestions: _containers.RepeatedScalarFieldContainer[str]
    unit: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., help: _Optional[str] = ..., type: _Optional[_Union[ParameterType, str]] = ..., repeated: _Optional[bool] = ..., default_value: _Optional[_Union[ParameterValue, _Mapping]] = ..., minimum: _Optional[_Union[ParameterValue, _Mapping]] = ..., maximum: _Optional[_Union[ParameterValue, _Mapping]] = ..., minimum_exclusive: _Optional[bool] = ..., maximum_exclusive: _Optional[bool] = ..., multiple_of: _Optional[int] = ..., choices: _Optional[_Iterable[str]] = ..., specials: _Optional[_Iterable[_Union[SpecialValue, _Mapping]]] = ..., suggestions: _Optional[_Iterable[str]] = ..., unit: _Optional[str] = ...) -> None: ...

class JobKindDescription(_message.Message):
    __slots__ = ("kind", "label", "spec_message", "parameters", "internal_fields")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SPEC_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_FIELDS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    label: str
    spec_message: str
    parameters: _containers.RepeatedCompositeFieldContainer[ParameterSpec]
    internal_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[str] = ..., label: _Optional[str] = ..., spec_message: _Optional[str] = ..., parameters: _Optional[_Iterable[_Union[ParameterSpec, _Mapping]]] = ..., internal_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class DescribeJobKindsRequest(_message.Message):
    __slots__ = ("kinds",)
    KINDS_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kinds: _Optional[_Iterable[str]] = ...) -> None: ...

class DescribeJobKindsResponse(_message.Message):
    __slots__ = ("kinds",)
    KINDS_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedCompositeFieldContainer[JobKindDescription]
    def __init__(self, kinds: _Optional[_Iterable[_Union[JobKindDescription, _Mapping]]] = ...) -> None: ...
