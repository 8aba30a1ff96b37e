"""Which model a detection job starts from or runs, checked in the server before it is queued.

Training starts from an architecture (``yolo11n.yaml``: Ultralytics' built-in configs, or a local
``.yaml``), a local ``.pt`` (a YOLO detector, checked by ``probe``) or a registered detector version
(fine-tuning the previous model). Detection runs a registered version's ONNX export ("current" = the
promoted detector, else the newest). No model is ever fetched by name from the internet.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from backend.detection.params import CURRENT
from backend.detection.probe import require_detector
from backend.registry import ModelRegistry, ModelVersion
from backend.registry.registry import VERSION_PATTERN
from backend.workspace import Workspace
from omni_core.confinement import check_text
from omni_core.errors import FailedPrecondition, InvalidArgument, NotFound, shown

LAYER = "detector"
NON_DETECT_SUFFIXES = {"-seg": "segmentation", "-cls": "classification", "-pose": "pose", "-obb": "oriented-box"}
SCALE = re.compile(r"(\d+)([nslmx])(.+)?$")


@dataclass(frozen=True)
class StartingPoint:
    kind: str  # "yaml" (architecture, from scratch) | "weights" (a .pt file) | "version" (registered)
    value: str  # the yaml name or absolute path, the .pt path, or the version
    weights_key: str = ""  # for a version: its weights in the artifact store


@cache
def _ultralytics_configs() -> frozenset[str]:
    """Names of the model YAMLs Ultralytics ships, found without importing it."""
    spec = importlib.util.find_spec("ultralytics")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    root = Path(next(iter(spec.submodule_search_locations))) / "cfg" / "models"
    return frozenset(path.name for path in root.rglob("*.yaml"))


def _builtin_yaml(name: str) -> bool:
    stem = Path(name).stem
    unscaled = SCALE.sub(r"\1\3", stem)
    known = _ultralytics_configs()
    return f"{stem}.yaml" in known or f"{unscaled}.yaml" in known


def resolve_user_file(workspace: Workspace, value: str, field: str) -> Path:
    """An existing file named by a client: relative paths are inside the workspace; a confined backend refuses
    paths that resolve outside it before looking at them, so the answer tells nothing about what is outside."""
    if not value or not value.strip():
        raise InvalidArgument(field, "a file is required")
    path = workspace.confinement.resolve(value, field)
    workspace.refuse_state(path, value, field)
    if path.is_dir():
        raise InvalidArgument(field, f"{shown(value)} is a folder, not a file")
    if not path.is_file():
        raise InvalidArgument(field, f"{shown(value)} does not exist on the backend")
    return path


def _is_workspace_file(workspace: Workspace, value: str) -> bool:
    """Whether a bare name such as ``custom.yaml`` names a file in the workspace (else it is a built-in one)."""
    check_text(value, "model")
    return (workspace.root / value).is_file()


def starting_point(workspace: Workspace, registry: ModelRegistry, value: str) -> StartingPoint:
    """Check ``--model`` of a training run; refuses non-detectors with the reason (field ``model``)."""
    lowered = value.lower()
    if VERSION_PATTERN.match(value):
        model = _registered(registry, value)
        return StartingPoint("version", model.version, model.files["weights"])
    if lowered.endswith((".yaml", ".yml")):
        for suffix, task in NON_DETECT_SUFFIXES.items():
            if Path(lowered).stem.endswith(suffix):
                raise InvalidArgument(
                    "model", f"{value} is a {task} architecture; use a detection one such as yolo11n.yaml"
                )
        if Path(value).is_absolute() or "/" in value or _is_workspace_file(workspace, value):
            return StartingPoint("yaml", str(resolve_user_file(workspace, value, "model")))
        if not _builtin_yaml(value):
            raise InvalidArgument(
                "model",
                f"{shown(value)} is not an Ultralytics architecture (e.g. yolo11n.yaml, yolo11s.yaml) or a file",
            )
        return StartingPoint("yaml", value)
    if lowered.endswith(".pt"):
        path = resolve_user_file(workspace, value, "model")
        require_detector(path, "model")
        return StartingPoint("weights", str(path))
    raise InvalidArgument(
        "model", f"{shown(value)} is not an architecture (.yaml), a local .pt file or a detector version (detector_...)"
    )


def _registered(registry: ModelRegistry, version: str) -> ModelVersion:
    try:
        model = registry.get(version)
    except NotFound:
        raise NotFound(
            f"model: no model version {shown(version)} (omni models list --kind detector shows them)"
        ) from None
    if model.kind != "detector":
        raise InvalidArgument("model", f"{version} is a {model.kind} model, not a detector")
    if "weights" not in model.files:
        raise FailedPrecondition(f"{version} has no weights to start from", field="model")
    return model


def resolve_detector(registry: ModelRegistry, value: str) -> ModelVersion:
    """The detector to run: a version, or "current" (promoted, else newest); it must have an ONNX export."""
    if value in ("", CURRENT):
        model = registry.current(LAYER)
        if model is None:
            versions = registry.list(layer=LAYER)
            if not versions:
                raise NotFound(
                    "no detector is registered; train one (omni train detection) or import one "
                    "(omni models import PATH.pt --kind detector)",
                    field="model",
                )
            model = versions[0]
    else:
        try:
            model = _registered(registry, value)
        except InvalidArgument as error:
            raise InvalidArgument("model", error.reason) from None
    if "onnx" not in model.files:
        raise FailedPrecondition(f"{model.version} has no ONNX export to run", field="model")
    return model
