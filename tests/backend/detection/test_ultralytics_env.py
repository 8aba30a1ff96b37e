"""Ultralytics made offline: settings that sync nothing, the plotting font in place, no download in the AMP
check, and Pillow's own ``Image.open`` back (Ultralytics' wrapper would pip-install pi-heif)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, UnidentifiedImageError

from backend.detection.ultralytics_env import OFFLINE_SETTINGS


def test_offline_settings_font_amp_and_pillow(offline_ultralytics: Path) -> None:
    from ultralytics import settings
    from ultralytics.engine import trainer

    assert os.environ["YOLO_OFFLINE"] == "1" and os.environ["YOLO_AUTOINSTALL"] == "0"
    assert settings["sync"] is False
    assert not [key for key in OFFLINE_SETTINGS if key in settings and settings[key] not in (False, "")]
    assert (offline_ultralytics / "Ultralytics" / "Arial.ttf").stat().st_size > 100_000
    assert trainer.check_amp.__module__ == "backend.detection.ultralytics_env"
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(b"not an image"))
