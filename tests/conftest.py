"""Test-wide environment: offline, headless, no telemetry. Set before anything imports Qt or ORT."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "0")
os.environ.pop("OMNI_TOKEN", None)
os.environ.pop("OMNI_WORKSPACE", None)

pytest_plugins = ["tests.s3_fixtures"]
