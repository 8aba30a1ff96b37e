"""Detection: YOLO11 training through Ultralytics, ONNX Runtime inference, batch detection and
model-assisted labelling.

Importing this package is cheap. Modules that import torch or Ultralytics (``training``, ``export``,
``checkpoint``) are imported only in worker processes, and always after ``ultralytics_env.prepare``;
the gRPC server process uses ``params``, ``jobs``, ``probe`` and the ONNX side (``onnx_detector``).
"""
