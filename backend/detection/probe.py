"""What kind of model a ``.pt`` file holds, read without unpickling it (no torch, nothing executed).

A PyTorch checkpoint is a zip archive whose ``data.pkl`` names, as pickle globals, the classes it was
made of. An Ultralytics checkpoint names one model class of ``ultralytics.nn.tasks``; that class says the
task. The server uses this to refuse a classifier, a segmenter or garbage before a job is queued; the
worker loads the file properly (``checkpoint.inspect``) before it trains or exports anything.
"""

from __future__ import annotations

import pickletools
import zipfile
from dataclasses import dataclass
from pathlib import Path

from omni_core.errors import InvalidArgument

TASKS_MODULE = "ultralytics.nn.tasks"
#: Ultralytics model classes -> what they are (only DetectionModel is a YOLO detector we can run)
MODEL_CLASSES = {
    "DetectionModel": "detect",
    "SegmentationModel": "segment",
    "PoseModel": "pose",
    "ClassificationModel": "classify",
    "OBBModel": "obb",
    "RTDETRDetectionModel": "rtdetr",
    "WorldModel": "world",
    "YOLOEModel": "yoloe",
    "YOLOESegModel": "yoloe-segment",
}
TASK_WORDS = {
    "segment": "a segmentation model",
    "pose": "a pose (keypoint) model",
    "classify": "a classification model",
    "obb": "an oriented-box (OBB) model",
    "rtdetr": "an RT-DETR model (not a YOLO detector)",
    "world": "an open-vocabulary YOLO-World model",
    "yoloe": "an open-vocabulary YOLOE model",
    "yoloe-segment": "an open-vocabulary YOLOE segmentation model",
}
MAX_PICKLE_BYTES = 64 * 1024 * 1024
_STRING_OPS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8", "SHORT_BINSTRING", "BINSTRING"})


@dataclass(frozen=True)
class ProbeResult:
    task: str  # "detect", "segment", ... ; "" when the file is not an Ultralytics model
    model_class: str
    reason: str  # why it is not usable as a detector ("" when it is)

    @property
    def is_detector(self) -> bool:
        return self.task == "detect" and not self.reason


def _pickle_strings(data: bytes) -> set[str]:
    strings: set[str] = set()
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name == "GLOBAL" and isinstance(arg, str):
            strings.update(arg.split(" ", 1))
        elif opcode.name in _STRING_OPS and isinstance(arg, str | bytes):
            strings.add(arg if isinstance(arg, str) else arg.decode("latin-1"))
    return strings


def probe_checkpoint(path: Path) -> ProbeResult:
    """Classify ``path``; never raises for bad content (the reason says what is wrong)."""
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [name for name in archive.namelist() if name.endswith("data.pkl")]
            if not pickles:
                return ProbeResult("", "", "is not a PyTorch checkpoint (a zip archive without data.pkl)")
            info = archive.getinfo(pickles[0])
            if info.file_size > MAX_PICKLE_BYTES:
                return ProbeResult("", "", "has a pickle implausibly large for a model checkpoint")
            data = archive.read(pickles[0])
    except zipfile.BadZipFile:
        return ProbeResult("", "", "is not a PyTorch checkpoint (not a zip archive; PyTorch has saved zips since 1.6)")
    except OSError as error:
        return ProbeResult("", "", f"cannot be read ({error.strerror or error})")
    try:
        strings = _pickle_strings(data)
    except Exception as error:  # noqa: BLE001 - any parse failure means "not a usable checkpoint"
        return ProbeResult("", "", f"has a damaged pickle ({type(error).__name__}: {error})")
    if TASKS_MODULE not in strings:
        return ProbeResult("", "", "is not an Ultralytics model (a PyTorch file without an ultralytics.nn.tasks model)")
    found = [name for name in MODEL_CLASSES if name in strings]
    if not found:
        return ProbeResult("", "", "holds no Ultralytics model class this backend knows")
    non_detect = [name for name in found if MODEL_CLASSES[name] != "detect"]
    if non_detect:
        task = MODEL_CLASSES[non_detect[0]]
        return ProbeResult(task, non_detect[0], f"is {TASK_WORDS[task]} ({non_detect[0]}), not a detector")
    return ProbeResult("detect", "DetectionModel", "")


def require_detector(path: Path, field: str) -> ProbeResult:
    """The probe of ``path`` if it is a YOLO detector, else InvalidArgument naming ``field`` and the reason."""
    result = probe_checkpoint(path)
    if not result.is_detector:
        raise InvalidArgument(field, f"{path.name} {result.reason}")
    return result
