"""The torch-free client core: what the desktop, the CLI and the backend all need (folder walks, label formats,
output plans and resume, atomic outputs, summaries, streaming images to a remote backend, the domain errors).

It imports nothing of ``backend``, ``desktop`` or ``omni_cli``, nor torch, ONNX Runtime, OpenCV or Ultralytics
(an import-linter contract in pyproject.toml), so a bundled desktop carries it whole."""
