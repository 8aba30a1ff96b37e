"""ONNX Runtime inference for restoration models: execution providers, cached sessions, tiling.

Importing this package is cheap (no ONNX Runtime): ``backend.inference.engine`` imports it, and only
worker processes import that. Telemetry is off before ONNX Runtime can be imported from here.
"""

import os

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
