from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TrainRestorationSpec(_message.Message):
    __slots__ = ("data", "layer", "epochs", "batch_size", "lr", "max_pairs", "patch", "val_split", "preset", "device", "seed", "loss", "num_workers", "max_minutes", "cpu_minutes", "clean", "domain", "whiten_paper", "tier", "teacher", "distill_weight", "start_from")
    DATA_FIELD_NUMBER: _ClassVar[int]
    LAYER_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    LR_FIELD_NUMBER: _ClassVar[int]
    MAX_PAIRS_FIELD_NUMBER: _ClassVar[int]
    PATCH_FIELD_NUMBER: _ClassVar[int]
    VAL_SPLIT_FIELD_NUMBER: _ClassVar[int]
    PRESET_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    NUM_WORKERS_FIELD_NUMBER: _ClassVar[int]
    MAX_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CPU_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CLEAN_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    WHITEN_PAPER_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    TEACHER_FIELD_NUMBER: _ClassVar[int]
    DISTILL_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    START_FROM_FIELD_NUMBER: _ClassVar[int]
    data: str
    layer: int
    epochs: int
    batch_size: int
    lr: float
    max_pairs: int
    patch: int
    val_split: float
    preset: str
    device: str
    seed: int
    loss: str
    num_workers: int
    max_minutes: float
    cpu_minutes: float
    clean: str
    domain: str
    whiten_paper: bool
    tier: str
    teacher: str
    distill_weight: float
    start_from: str
    def __init__(self, data: _Optional[str] = ..., layer: _Optional[int] = ..., epochs: _Optional[int] = ..., batch_size: _Optional[int] = ..., lr: _Optional[float] = ..., max_pairs: _Optional[int] = ..., patch: _Optional[int] = ..., val_split: _Optional[float] = ..., preset: _Optional[str] = ..., device: _Optional[str] = ..., seed: _Optional[int] = ..., loss: _Optional[str] = ..., num_workers: _Optional[int] = ..., max_minutes: _Optional[float] = ..., cpu_minutes: _Optional[float] = ..., clean: _Optional[str] = ..., domain: _Optional[str] = ..., whiten_paper: _Optional[bool] = ..., tier: _Optional[str] = ..., teacher: _Optional[str] = ..., distill_weight: _Optional[float] = ..., start_from: _Optional[str] = ...) -> None: ...

class EvaluateSpec(_message.Message):
    __slots__ = ("pred", "ref", "model", "bm3d", "self_ensemble")
    PRED_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    BM3D_FIELD_NUMBER: _ClassVar[int]
    SELF_ENSEMBLE_FIELD_NUMBER: _ClassVar[int]
    pred: str
    ref: str
    model: str
    bm3d: bool
    self_ensemble: bool
    def __init__(self, pred: _Optional[str] = ..., ref: _Optional[str] = ..., model: _Optional[str] = ..., bm3d: _Optional[bool] = ..., self_ensemble: _Optional[bool] = ...) -> None: ...

class EvaluationResult(_message.Message):
    __slots__ = ("model", "folders")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    FOLDERS_FIELD_NUMBER: _ClassVar[int]
    model: ModelEvaluation
    folders: FolderEvaluation
    def __init__(self, model: _Optional[_Union[ModelEvaluation, _Mapping]] = ..., folders: _Optional[_Union[FolderEvaluation, _Mapping]] = ...) -> None: ...

class MethodScore(_message.Message):
    __slots__ = ("method", "psnr", "ssim")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PSNR_FIELD_NUMBER: _ClassVar[int]
    SSIM_FIELD_NUMBER: _ClassVar[int]
    method: str
    psnr: float
    ssim: float
    def __init__(self, method: _Optional[str] = ..., psnr: _Optional[float] = ..., ssim: _Optional[float] = ...) -> None: ...

class DomainEvaluation(_message.Message):
    __slots__ = ("domain", "count", "methods", "model_vs_input_db", "cases_worse_than_input", "worse_than_input")
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    METHODS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VS_INPUT_DB_FIELD_NUMBER: _ClassVar[int]
    CASES_WORSE_THAN_INPUT_FIELD_NUMBER: _ClassVar[int]
    WORSE_THAN_INPUT_FIELD_NUMBER: _ClassVar[int]
    domain: str
    count: int
    methods: _containers.RepeatedCompositeFieldContainer[MethodScore]
    model_vs_input_db: float
    cases_worse_than_input: int
    worse_than_input: bool
    def __init__(self, domain: _Optional[str] = ..., count: _Optional[int] = ..., methods: _Optional[_Iterable[_Union[MethodScore, _Mapping]]] = ..., model_vs_input_db: _Optional[float] = ..., cases_worse_than_input: _Optional[int] = ..., worse_than_input: _Optional[bool] = ...) -> None: ...

class ModelEvaluation(_message.Message):
    __slots__ = ("version", "layer", "domain", "description", "domains", "recommendations", "report_html", "report_text", "report_json", "self_ensemble")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LAYER_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    REPORT_HTML_FIELD_NUMBER: _ClassVar[int]
    REPORT_TEXT_FIELD_NUMBER: _ClassVar[int]
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    SELF_ENSEMBLE_FIELD_NUMBER: _ClassVar[int]
    version: str
    layer: str
    domain: str
    description: str
    domains: _containers.RepeatedCompositeFieldContainer[DomainEvaluation]
    recommendations: _containers.RepeatedScalarFieldContainer[str]
    report_html: str
    report_text: str
    report_json: str
    self_ensemble: bool
    def __init__(self, version: _Optional[str] = ..., layer: _Optional[str] = ..., domain: _Optional[str] = ..., description: _Optional[str] = ..., domains: _Optional[_Iterable[_Union[DomainEvaluation, _Mapping]]] = ..., recommendations: _Optional[_Iterable[str]] = ..., report_html: _Optional[str] = ..., report_text: _Optional[str] = ..., report_json: _Optional[str] = ..., self_ensemble: _Optional[bool] = ...) -> None: ...

class ImageScore(_message.Message):
    __slots__ = ("name", "psnr", "ssim")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PSNR_FIELD_NUMBER: _ClassVar[int]
    SSIM_FIELD_NUMBER: _ClassVar[int]
    name: str
    psnr: float
    ssim: float
    def __init__(self, name: _Optional[str] = ..., psnr: _Optional[float] = ..., ssim: _Optional[float] = ...) -> None: ...

class SkippedImage(_message.Message):
    __slots__ = ("file", "reason")
    FILE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    file: str
    reason: str
    def __init__(self, file: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class FolderEvaluation(_message.Message):
    __slots__ = ("count", "mean_psnr", "mean_ssim", "images", "skipped", "report_json")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_PSNR_FIELD_NUMBER: _ClassVar[int]
    MEAN_SSIM_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    count: int
    mean_psnr: float
    mean_ssim: float
    images: _containers.RepeatedCompositeFieldContainer[ImageScore]
    skipped: _containers.RepeatedCompositeFieldContainer[SkippedImage]
    report_json: str
    def __init__(self, count: _Optional[int] = ..., mean_psnr: _Optional[float] = ..., mean_ssim: _Optional[float] = ..., images: _Optional[_Iterable[_Union[ImageScore, _Mapping]]] = ..., skipped: _Optional[_Iterable[_Union[SkippedImage, _Mapping]]] = ..., report_json: _Optional[str] = ...) -> None: ...
