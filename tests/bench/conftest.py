from tests.backend.batch.conftest import tiny_onnx  # noqa: F401 - the bench scripts run on the batch tests' model
