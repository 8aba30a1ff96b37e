"""Sync fixtures: the tiny exported model of the batch tests."""

from tests.backend.batch.conftest import tiny_onnx  # noqa: F401 - a fixture, shared
