"""Write a YOLO11n detector checkpoint in seconds, without training (run as a child process, so the test
process never imports torch): built from yolo11n.yaml with the given class names, its head nudged so that it
predicts several confident boxes on any image. A real Ultralytics checkpoint, just not a useful one.

    python make_detector.py OUT.pt dent,dirt,rust
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(out: Path, names: list[str]) -> None:
    import torch
    from ultralytics.nn.tasks import DetectionModel

    model = DetectionModel("yolo11n.yaml", nc=len(names), verbose=False)
    model.names = dict(enumerate(names))  # type: ignore[assignment]
    model.args = {"imgsz": 64, "task": "detect"}  # type: ignore[assignment]
    head = model.model[-1]  # type: ignore[index]
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for branch, shift in ((head.cv2, 0.0), (head.cv3, 6.0)):  # box branch, class branch
            for sequence in branch:
                conv = sequence[-1]
                conv.weight.add_(torch.randn(conv.weight.shape, generator=generator) * 0.1)
                conv.bias.add_(torch.randn(conv.bias.shape, generator=generator) * 0.5 + shift)
    torch.save({"model": model, "train_args": {"imgsz": 64, "task": "detect"}, "epoch": -1}, out)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2].split(","))
