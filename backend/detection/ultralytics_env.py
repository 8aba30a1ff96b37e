"""Ultralytics, offline: call ``prepare(workspace_root)`` before anything imports ``ultralytics``.

Ultralytics reaches for the network in several places, each handled here:

- ``YOLO_OFFLINE`` makes its online check answer "offline" without a DNS lookup;
- ``YOLO_AUTOINSTALL=0`` stops it pip-installing a missing requirement (it raises instead);
- its settings (``<YOLO_CONFIG_DIR>/Ultralytics/settings.json``, inside the workspace's state folder) turn
  off event sync and every experiment-tracker integration, and keep its weights/runs/datasets folders
  inside that folder too rather than in the working directory;
- the plotting font (``Arial.ttf``), which it downloads even offline, is matplotlib's own DejaVu Sans
  copied under that name;
- the AMP check on CUDA, which downloads a reference model, is replaced by one that downloads nothing;
- importing Ultralytics replaces ``PIL.Image.open`` by a wrapper that, on a file Pillow cannot identify,
  pip-installs ``pi-heif`` (or, with installs off, raises ModuleNotFoundError instead of Pillow's
  ``UnidentifiedImageError``, which our image checks rely on): Pillow's own ``open`` is put back.

Models are built from a ``.yaml`` (``yolo11n.yaml``) or a local ``.pt`` path, never from a bare ``.pt``
name, which Ultralytics would download.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

CONFIG_SUBDIR = ".omni/ultralytics"
#: settings that would make Ultralytics talk to a service
OFFLINE_SETTINGS: dict[str, Any] = {
    "sync": False,
    "hub": False,
    "api_key": "",
    "clearml": False,
    "comet": False,
    "dvc": False,
    "mlflow": False,
    "neptune": False,
    "raytune": False,
    "tensorboard": False,
    "wandb": False,
    "vscode_msg": False,
    "openvino_msg": False,
}
FONTS = ("Arial.ttf", "Arial.Unicode.ttf")

_prepared: Path | None = None


def config_dir(workspace_root: Path) -> Path:
    return Path(workspace_root) / CONFIG_SUBDIR


def set_environment(workspace_root: Path) -> Path:
    """The environment variables only (no import); returns the config folder. Safe to call twice."""
    folder = config_dir(workspace_root)
    (folder / "Ultralytics").mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "0"
    os.environ["YOLO_VERBOSE"] = os.environ.get("YOLO_VERBOSE", "False")
    os.environ["YOLO_CONFIG_DIR"] = str(folder)
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    return folder


def _install_fonts(folder: Path) -> None:
    import matplotlib

    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    for name in FONTS:
        target = folder / "Ultralytics" / name
        if not target.exists() and source.is_file():
            temp = target.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(source, temp)
            os.replace(temp, target)


def _offline_amp_check(model: Any) -> bool:
    """AMP on CUDA without Ultralytics' reference-model download: on when the device is a GPU."""
    device = next(model.parameters()).device
    return bool(device.type == "cuda")


def _restore_pillow_open() -> None:
    from PIL import Image
    from ultralytics.utils import patches

    original = getattr(patches, "_image_open", None)
    if original is not None and Image.open is getattr(patches, "image_open", None):
        Image.open = original


def prepare(workspace_root: Path) -> Path:
    """Make Ultralytics offline for this process; returns its config folder. Import it only after this."""
    global _prepared
    folder = set_environment(workspace_root)
    if _prepared == folder:
        return folder
    _install_fonts(folder)
    from ultralytics import settings

    base = folder / "Ultralytics"
    wanted = {
        **{key: value for key, value in OFFLINE_SETTINGS.items() if key in settings},
        "weights_dir": str(base / "weights"),
        "runs_dir": str(base / "runs"),
        "datasets_dir": str(base / "datasets"),
    }
    if any(settings.get(key) != value for key, value in wanted.items()):
        settings.update(wanted)
    _restore_pillow_open()
    import ultralytics.engine.trainer as trainer_module

    trainer_module.check_amp = _offline_amp_check  # type: ignore[attr-defined]
    _prepared = folder
    return folder
