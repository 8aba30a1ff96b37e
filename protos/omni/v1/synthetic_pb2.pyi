from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SynthRestorationSpec(_message.Message):
    __slots__ = ("count", "out", "size", "degradations", "seed", "max_degradations", "source", "domain", "count_per_image", "crop")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    OUT_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    DEGRADATIONS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    MAX_DEGRADATIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_FIELD_NUMBER: _ClassVar[int]
    COUNT_PER_IMAGE_FIELD_NUMBER: _ClassVar[int]
    CROP_FIELD_NUMBER: _ClassVar[int]
    count: int
    out: str
    size: int
    degradations: _containers.RepeatedScalarFieldContainer[str]
    seed: int
    max_degradations: int
    source: str
    domain: str
    count_per_image: int
    crop: int
    def __init__(self, count: _Optional[int] = ..., out: _Optional[str] = ..., size: _Optional[int] = ..., degradations: _Optional[_Iterable[str]] = ..., seed: _Optional[int] = ..., max_degradations: _Optional[int] = ..., source: _Optional[str] = ..., domain: _Optional[str] = ..., count_per_image: _Optional[int] = ..., crop: _Optional[int] = ...) -> None: ...

class SynthDetectionSpec(_message.Message):
    __slots__ = ("count", "out", "classes", "size", "val_fraction", "seed", "max_objects")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    OUT_FIELD_NUMBER: _ClassVar[int]
    CLASSES_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    VAL_FRACTION_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    MAX_OBJECTS_FIELD_NUMBER: _ClassVar[int]
    count: int
    out: str
    classes: _containers.RepeatedScalarFieldContainer[str]
    size: int
    val_fraction: float
    seed: int
    max_objects: int
    def __init__(self, count: _Optional[int] = ..., out: _Optional[str] = ..., classes: _Optional[_Iterable[str]] = ..., size: _Optional[int] = ..., val_fraction: _Optional[float] = ..., seed: _Optional[int] = ..., max_objects: _Optional[int] = ...) -> None: ...

class DegradationInfo(_message.Message):
    __slots__ = ("name", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class DescribeSyntheticRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DescribeSyntheticResponse(_message.Message):
    __slots__ = ("degradations", "default_classes", "min_size", "max_size", "max_count", "domains")
    DEGRADATIONS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CLASSES_FIELD_NUMBER: _ClassVar[int]
    MIN_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    DOMAINS_FIELD_NUMBER: _ClassVar[int]
    degradations: _containers.RepeatedCompositeFieldContainer[DegradationInfo]
    default_classes: _containers.RepeatedScalarFieldContainer[str]
    min_size: int
    max_size: int
    max_count: int
    domains: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, degradations: _Optional[_Iterable[_Union[DegradationInfo, _Mapping]]] = ..., default_classes: _Optional[_Iterable[str]] = ..., min_size: _Optional[int] = ..., max_size: _Optional[int] = ..., max_count: _Optional[int] = ..., domains: _Optional[_Iterable[str]] = ...) -> None: ...

class PreviewRestorationRequest(_message.Message):
    __slots__ = ("spec", "index")
    SPEC_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    spec: SynthRestorationSpec
    index: int
    def __init__(self, spec: _Optional[_Union[SynthRestorationSpec, _Mapping]] = ..., index: _Optional[int] = ...) -> None: ...

class PreviewRestorationResponse(_message.Message):
    __slots__ = ("clean_png", "degraded_png", "name", "applied_json")
    CLEAN_PNG_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_PNG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    APPLIED_JSON_FIELD_NUMBER: _ClassVar[int]
    clean_png: bytes
    degraded_png: bytes
    name: str
    applied_json: str
    def __init__(self, clean_png: _Optional[bytes] = ..., degraded_png: _Optional[bytes] = ..., name: _Optional[str] = ..., applied_json: _Optional[str] = ...) -> None: ...

class PreviewDetectionRequest(_message.Message):
    __slots__ = ("spec", "index")
    SPEC_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    spec: SynthDetectionSpec
    index: int
    def __init__(self, spec: _Optional[_Union[SynthDetectionSpec, _Mapping]] = ..., index: _Optional[int] = ...) -> None: ...

class PreviewDetectionResponse(_message.Message):
    __slots__ = ("image_png", "labels_txt")
    IMAGE_PNG_FIELD_NUMBER: _ClassVar[int]
    LABELS_TXT_FIELD_NUMBER: _ClassVar[int]
    image_png: bytes
    labels_txt: str
    def __init__(self, image_png: _Optional[bytes] = ..., labels_txt: _Optional[str] = ...) -> None: ...
