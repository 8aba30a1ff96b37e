from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RestoreBatchSpec(_message.Message):
    __slots__ = ("input", "out", "model", "layer", "recursive", "tile", "overlap", "format", "quality", "overwrite", "ref", "require_provider", "batch_size", "tier", "precision", "self_ensemble")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    LAYER_FIELD_NUMBER: _ClassVar[int]
    RECURSIVE_FIELD_NUMBER: _ClassVar[int]
    TILE_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    SELF_ENSEMBLE_FIELD_NUMBER: _ClassVar[int]
    input: str
    out: str
    model: str
    layer: int
    recursive: bool
    tile: int
    overlap: int
    format: str
    quality: int
    overwrite: bool
    ref: str
    require_provider: str
    batch_size: int
    tier: str
    precision: str
    self_ensemble: bool
    def __init__(self, input: _Optional[str] = ..., out: _Optional[str] = ..., model: _Optional[str] = ..., layer: _Optional[int] = ..., recursive: _Optional[bool] = ..., tile: _Optional[int] = ..., overlap: _Optional[int] = ..., format: _Optional[str] = ..., quality: _Optional[int] = ..., overwrite: _Optional[bool] = ..., ref: _Optional[str] = ..., require_provider: _Optional[str] = ..., batch_size: _Optional[int] = ..., tier: _Optional[str] = ..., precision: _Optional[str] = ..., self_ensemble: _Optional[bool] = ...) -> None: ...

class BatchCounts(_message.Message):
    __slots__ = ("found", "restored", "skipped", "failed", "subfolders_not_entered")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    RESTORED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    SUBFOLDERS_NOT_ENTERED_FIELD_NUMBER: _ClassVar[int]
    found: int
    restored: int
    skipped: int
    failed: int
    subfolders_not_entered: int
    def __init__(self, found: _Optional[int] = ..., restored: _Optional[int] = ..., skipped: _Optional[int] = ..., failed: _Optional[int] = ..., subfolders_not_entered: _Optional[int] = ...) -> None: ...

class RestoreStreamStart(_message.Message):
    __slots__ = ("model", "layer", "tile", "overlap", "format", "quality", "require_provider", "batch_size", "tier", "precision", "self_ensemble")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    LAYER_FIELD_NUMBER: _ClassVar[int]
    TILE_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    SELF_ENSEMBLE_FIELD_NUMBER: _ClassVar[int]
    model: str
    layer: int
    tile: int
    overlap: int
    format: str
    quality: int
    require_provider: str
    batch_size: int
    tier: str
    precision: str
    self_ensemble: bool
    def __init__(self, model: _Optional[str] = ..., layer: _Optional[int] = ..., tile: _Optional[int] = ..., overlap: _Optional[int] = ..., format: _Optional[str] = ..., quality: _Optional[int] = ..., require_provider: _Optional[str] = ..., batch_size: _Optional[int] = ..., tier: _Optional[str] = ..., precision: _Optional[str] = ..., self_ensemble: _Optional[bool] = ...) -> None: ...

class ImageChunk(_message.Message):
    __slots__ = ("id", "data", "last", "reference")
    ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    data: bytes
    last: bool
    reference: bool
    def __init__(self, id: _Optional[str] = ..., data: _Optional[bytes] = ..., last: _Optional[bool] = ..., reference: _Optional[bool] = ...) -> None: ...

class RestoreStreamRequest(_message.Message):
    __slots__ = ("start", "chunk")
    START_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    start: RestoreStreamStart
    chunk: ImageChunk
    def __init__(self, start: _Optional[_Union[RestoreStreamStart, _Mapping]] = ..., chunk: _Optional[_Union[ImageChunk, _Mapping]] = ...) -> None: ...

class RestoreStreamReady(_message.Message):
    __slots__ = ("model", "layer", "model_note", "provider", "provider_warnings", "tile", "overlap", "format", "quality", "batch_size", "batch_pixels", "tile_limit", "model_domain", "precision", "precision_reason", "self_ensemble")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    LAYER_FIELD_NUMBER: _ClassVar[int]
    MODEL_NOTE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    TILE_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    BATCH_PIXELS_FIELD_NUMBER: _ClassVar[int]
    TILE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    MODEL_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    PRECISION_REASON_FIELD_NUMBER: _ClassVar[int]
    SELF_ENSEMBLE_FIELD_NUMBER: _ClassVar[int]
    model: str
    layer: str
    model_note: str
    provider: str
    provider_warnings: _containers.RepeatedScalarFieldContainer[str]
    tile: int
    overlap: int
    format: str
    quality: int
    batch_size: int
    batch_pixels: int
    tile_limit: str
    model_domain: str
    precision: str
    precision_reason: str
    self_ensemble: bool
    def __init__(self, model: _Optional[str] = ..., layer: _Optional[str] = ..., model_note: _Optional[str] = ..., provider: _Optional[str] = ..., provider_warnings: _Optional[_Iterable[str]] = ..., tile: _Optional[int] = ..., overlap: _Optional[int] = ..., format: _Optional[str] = ..., quality: _Optional[int] = ..., batch_size: _Optional[int] = ..., batch_pixels: _Optional[int] = ..., tile_limit: _Optional[str] = ..., model_domain: _Optional[str] = ..., precision: _Optional[str] = ..., precision_reason: _Optional[str] = ..., self_ensemble: _Optional[bool] = ...) -> None: ...

class ReferenceMetrics(_message.Message):
    __slots__ = ("psnr_before", "psnr_after", "ssim_before", "ssim_after")
    PSNR_BEFORE_FIELD_NUMBER: _ClassVar[int]
    PSNR_AFTER_FIELD_NUMBER: _ClassVar[int]
    SSIM_BEFORE_FIELD_NUMBER: _ClassVar[int]
    SSIM_AFTER_FIELD_NUMBER: _ClassVar[int]
    psnr_before: float
    psnr_after: float
    ssim_before: float
    ssim_after: float
    def __init__(self, psnr_before: _Optional[float] = ..., psnr_after: _Optional[float] = ..., ssim_before: _Optional[float] = ..., ssim_after: _Optional[float] = ...) -> None: ...

class ImageResult(_message.Message):
    __slots__ = ("id", "data", "last", "restored", "reason", "output", "width", "height", "seconds", "tile", "notes", "size_bytes", "sha256", "metrics", "metrics_problem", "plan", "pages", "pixels")
    ID_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    RESTORED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    TILE_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    METRICS_PROBLEM_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PAGES_FIELD_NUMBER: _ClassVar[int]
    PIXELS_FIELD_NUMBER: _ClassVar[int]
    id: str
    data: bytes
    last: bool
    restored: bool
    reason: str
    output: str
    width: int
    height: int
    seconds: float
    tile: int
    notes: _containers.RepeatedScalarFieldContainer[str]
    size_bytes: int
    sha256: str
    metrics: ReferenceMetrics
    metrics_problem: str
    plan: str
    pages: int
    pixels: int
    def __init__(self, id: _Optional[str] = ..., data: _Optional[bytes] = ..., last: _Optional[bool] = ..., restored: _Optional[bool] = ..., reason: _Optional[str] = ..., output: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., seconds: _Optional[float] = ..., tile: _Optional[int] = ..., notes: _Optional[_Iterable[str]] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., metrics: _Optional[_Union[ReferenceMetrics, _Mapping]] = ..., metrics_problem: _Optional[str] = ..., plan: _Optional[str] = ..., pages: _Optional[int] = ..., pixels: _Optional[int] = ...) -> None: ...

class RestoreStreamDone(_message.Message):
    __slots__ = ("restored", "failed")
    RESTORED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    restored: int
    failed: int
    def __init__(self, restored: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class RestoreStreamResponse(_message.Message):
    __slots__ = ("ready", "result", "done")
    READY_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    ready: RestoreStreamReady
    result: ImageResult
    done: RestoreStreamDone
    def __init__(self, ready: _Optional[_Union[RestoreStreamReady, _Mapping]] = ..., result: _Optional[_Union[ImageResult, _Mapping]] = ..., done: _Optional[_Union[RestoreStreamDone, _Mapping]] = ...) -> None: ...

class DetectStreamStart(_message.Message):
    __slots__ = ("model", "conf", "iou", "max_det", "require_provider")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CONF_FIELD_NUMBER: _ClassVar[int]
    IOU_FIELD_NUMBER: _ClassVar[int]
    MAX_DET_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    model: str
    conf: float
    iou: float
    max_det: int
    require_provider: str
    def __init__(self, model: _Optional[str] = ..., conf: _Optional[float] = ..., iou: _Optional[float] = ..., max_det: _Optional[int] = ..., require_provider: _Optional[str] = ...) -> None: ...

class DetectStreamRequest(_message.Message):
    __slots__ = ("start", "chunk")
    START_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    start: DetectStreamStart
    chunk: ImageChunk
    def __init__(self, start: _Optional[_Union[DetectStreamStart, _Mapping]] = ..., chunk: _Optional[_Union[ImageChunk, _Mapping]] = ...) -> None: ...

class DetectStreamReady(_message.Message):
    __slots__ = ("model", "model_note", "classes", "provider", "provider_warnings", "input_width", "input_height", "conf", "iou", "max_det")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    MODEL_NOTE_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_WARNINGS_FIELD_NUMBER: _ClassVar[int]
    INPUT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    INPUT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CONF_FIELD_NUMBER: _ClassVar[int]
    IOU_FIELD_NUMBER: _ClassVar[int]
    MAX_DET_FIELD_NUMBER: _ClassVar[int]
    model: str
    model_note: str
    classes: _containers.RepeatedScalarFieldContainer[str]
    provider: str
    provider_warnings: _containers.RepeatedScalarFieldContainer[str]
    input_width: int
    input_height: int
    conf: float
    iou: float
    max_det: int
    def __init__(self, model: _Optional[str] = ..., model_note: _Optional[str] = ..., classes: _Optional[_Iterable[str]] = ..., provider: _Optional[str] = ..., provider_warnings: _Optional[_Iterable[str]] = ..., input_width: _Optional[int] = ..., input_height: _Optional[int] = ..., conf: _Optional[float] = ..., iou: _Optional[float] = ..., max_det: _Optional[int] = ...) -> None: ...

class DetectedBox(_message.Message):
    __slots__ = ("class_id", "class_name", "confidence", "x1", "y1", "x2", "y2")
    CLASS_ID_FIELD_NUMBER: _ClassVar[int]
    CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    X1_FIELD_NUMBER: _ClassVar[int]
    Y1_FIELD_NUMBER: _ClassVar[int]
    X2_FIELD_NUMBER: _ClassVar[int]
    Y2_FIELD_NUMBER: _ClassVar[int]
    class_id: int
    class_name: str
    confidence: float
    x1: float
    y1: float
    x2: float
    y2: float
    def __init__(self, class_id: _Optional[int] = ..., class_name: _Optional[str] = ..., confidence: _Optional[float] = ..., x1: _Optional[float] = ..., y1: _Optional[float] = ..., x2: _Optional[float] = ..., y2: _Optional[float] = ...) -> None: ...

class DetectResult(_message.Message):
    __slots__ = ("id", "detected", "reason", "width", "height", "seconds", "boxes")
    ID_FIELD_NUMBER: _ClassVar[int]
    DETECTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    BOXES_FIELD_NUMBER: _ClassVar[int]
    id: str
    detected: bool
    reason: str
    width: int
    height: int
    seconds: float
    boxes: _containers.RepeatedCompositeFieldContainer[DetectedBox]
    def __init__(self, id: _Optional[str] = ..., detected: _Optional[bool] = ..., reason: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., seconds: _Optional[float] = ..., boxes: _Optional[_Iterable[_Union[DetectedBox, _Mapping]]] = ...) -> None: ...

class DetectStreamDone(_message.Message):
    __slots__ = ("detected", "failed")
    DETECTED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    detected: int
    failed: int
    def __init__(self, detected: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class DetectStreamResponse(_message.Message):
    __slots__ = ("ready", "result", "done")
    READY_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    ready: DetectStreamReady
    result: DetectResult
    done: DetectStreamDone
    def __init__(self, ready: _Optional[_Union[DetectStreamReady, _Mapping]] = ..., result: _Optional[_Union[DetectResult, _Mapping]] = ..., done: _Optional[_Union[DetectStreamDone, _Mapping]] = ...) -> None: ...
