"""ONNX Runtime must not phone home: set before any test here imports it."""

from __future__ import annotations

import os

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
