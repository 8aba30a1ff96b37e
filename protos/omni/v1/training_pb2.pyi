from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class TrainRestorationSpec(_message.Message):
    __slots__ = ("data", "layer", "epochs", "batch_size", "lr", "max_pairs", "patch", "val_split", "preset", "device", "seed", "loss", "num_workers", "max_minutes", "cpu_minutes", "clean", "domain", "whiten_paper")
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
    def __init__(self, data: _Optional[str] = ..., layer: _Optional[int] = ..., epochs: _Optional[int] = ..., batch_size: _Optional[int] = ..., lr: _Optional[float] = ..., max_pairs: _Optional[int] = ..., patch: _Optional[int] = ..., val_split: _Optional[float] = ..., preset: _Optional[str] = ..., device: _Optional[str] = ..., seed: _Optional[int] = ..., loss: _Optional[str] = ..., num_workers: _Optional[int] = ..., max_minutes: _Optional[float] = ..., cpu_minutes: _Optional[float] = ..., clean: _Optional[str] = ..., domain: _Optional[str] = ..., whiten_paper: _Optional[bool] = ...) -> None: ...

class EvaluateSpec(_message.Message):
    __slots__ = ("pred", "ref", "model", "bm3d")
    PRED_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    BM3D_FIELD_NUMBER: _ClassVar[int]
    pred: str
    ref: str
    model: str
    bm3d: bool
    def __init__(self, pred: _Optional[str] = ..., ref: _Optional[str] = ..., model: _Optional[str] = ..., bm3d: _Optional[bool] = ...) -> None: ...
