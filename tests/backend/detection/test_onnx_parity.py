"""ONNX Runtime detection gives Ultralytics' PyTorch predictor's boxes: the letterbox, the raw head output and
the NMS + rescaling are compared one by one, then whole detections on real images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backend.detection.letterbox import letterbox, placement, resize_linear_numpy, unletterbox
from backend.detection.nms import decode
from backend.detection.onnx_detector import Detection, OnnxDetector
from omni_core.detection.images import decode_rgb
from tests.backend.detection.conftest import TrainedDetector

SHAPES = ((64, 64), (48, 80), (90, 37), (300, 200), (17, 640), (640, 480))


@pytest.fixture(scope="module")
def busy_onnx(busy_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from backend.detection.export import export_detector

    export = export_detector(busy_checkpoint, tmp_path_factory.mktemp("busy-onnx") / "busy.onnx", 64)
    assert export.max_abs_diff_scores < 1e-3 and export.max_abs_diff_boxes < 0.05
    return export.path


def test_letterbox_matches_ultralytics(offline_ultralytics: Path) -> None:
    from ultralytics.data.augment import LetterBox

    rng = np.random.default_rng(0)
    for height, width in SHAPES:
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        ours, _ = letterbox(image, 64, 64)
        bgr = LetterBox((64, 64), auto=False, stride=32)(image=np.ascontiguousarray(image[..., ::-1]))
        theirs = bgr[..., ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255
        assert ours.shape == theirs.shape == (1, 3, 64, 64)
        assert np.abs(ours - theirs).max() <= 1 / 255 + 1e-6, (height, width)  # OpenCV rounds in fixed point


def test_numpy_resize_matches_opencv() -> None:
    import cv2

    rng = np.random.default_rng(2)
    for height, width in SHAPES:
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        for target in ((64, 64), (31, 77), (height * 2, width + 3)):
            ours = resize_linear_numpy(image, *target).astype(int)
            theirs = cv2.resize(image, target[::-1], interpolation=cv2.INTER_LINEAR).astype(int)
            assert np.abs(ours - theirs).max() <= 1, (height, width, target)  # the fallback without OpenCV


def _raw_head(rng: np.random.Generator, classes: int, anchors: int, size: int) -> np.ndarray:
    """A head output with clusters of overlapping boxes of several classes and distinct scores."""
    centres = rng.uniform(8, size - 8, (6, 2))
    pick = rng.integers(0, len(centres), anchors)
    xy = centres[pick] + rng.normal(0, 3, (anchors, 2))
    wh = rng.uniform(6, 30, (anchors, 2))
    scores = rng.uniform(0, 1, (anchors, classes)) ** 3
    scores += rng.uniform(0, 1e-4, scores.shape)  # no ties: NMS order is then unique
    return np.concatenate([xy, wh, scores], axis=1).T[None].astype(np.float32)


def test_nms_and_rescaling_match_ultralytics(offline_ultralytics: Path) -> None:
    import torch
    from ultralytics.utils import nms, ops

    rng = np.random.default_rng(1)
    for trial, (conf, iou) in enumerate(((0.25, 0.7), (0.05, 0.45), (0.5, 0.3))):
        raw = _raw_head(rng, classes=4, anchors=800, size=64)
        ours = decode(raw, conf, iou)
        theirs = nms.non_max_suppression(torch.from_numpy(raw), conf, iou, max_det=300)[0].numpy()
        assert len(ours) == len(theirs) > 5, trial
        np.testing.assert_allclose(ours.boxes, theirs[:, :4], atol=1e-4)
        np.testing.assert_allclose(ours.scores, theirs[:, 4], atol=1e-6)
        np.testing.assert_array_equal(ours.classes, theirs[:, 5].astype(int))
        source = (48 + 20 * trial, 80 - 10 * trial)
        place = placement(*source, 64, 64)
        scaled = ops.scale_boxes((64, 64), torch.from_numpy(theirs[:, :4].copy()), source).numpy()
        np.testing.assert_allclose(unletterbox(ours.boxes, place), scaled, atol=1e-3)


def test_raw_output_matches_pytorch(busy_checkpoint: Path, busy_onnx: Path, trained: TrainedDetector) -> None:
    import torch
    from ultralytics.nn.tasks import load_checkpoint

    model, _ = load_checkpoint(str(busy_checkpoint), device=torch.device("cpu"), fuse=True)
    model.eval()
    detector = OnnxDetector.open(busy_onnx)
    assert detector.provider == detector.engine.session.get_providers()[0] == "CPUExecutionProvider"
    assert detector.names == ["dent", "dirt", "rust", "scratch", "spoiled", "mold"]
    image = decode_rgb(sorted((trained.data_dir / "images" / "val").glob("*.jpg"))[0])
    tensor, _ = letterbox(image[:, :40], 64, 64)
    with torch.no_grad():
        expected = model(torch.from_numpy(tensor))[0].numpy()
    got = detector.raw(tensor)
    assert got.shape == expected.shape == (1, 10, 84)
    assert np.abs(got[:, :4] - expected[:, :4]).max() < 0.01  # px
    assert np.abs(got[:, 4:] - expected[:, 4:]).max() < 1e-4


def _matched(ours: list[Detection], theirs: np.ndarray, conf: float) -> None:
    unmatched = []
    for row in theirs:
        close = [
            d
            for d in ours
            if d.class_id == int(row[5])
            and abs(d.confidence - row[4]) < 1e-4
            and max(abs(d.x1 - row[0]), abs(d.y1 - row[1]), abs(d.x2 - row[2]), abs(d.y2 - row[3])) < 0.05
        ]
        if not close:
            unmatched.append(row)
    borderline = [row for row in unmatched if abs(row[4] - conf) < 1e-3]
    assert len(unmatched) == len(borderline), unmatched  # only boxes at the threshold may differ
    assert abs(len(ours) - len(theirs)) <= len(borderline)


def test_detections_match_the_pytorch_predictor(
    busy_checkpoint: Path, busy_onnx: Path, trained: TrainedDetector, offline_ultralytics: Path
) -> None:
    from ultralytics import YOLO

    predictor = YOLO(str(busy_checkpoint))
    detector = OnnxDetector.open(busy_onnx)
    compared = 0
    for path in sorted((trained.data_dir / "images").rglob("*.jpg"))[:6]:
        full = decode_rgb(path)
        for image in (full, full[:, 10:50], np.repeat(full, 2, axis=0)[:100]):
            image = np.ascontiguousarray(image)
            ours = detector.detect(image, conf=0.25, iou=0.7)
            result = predictor.predict(image[..., ::-1].copy(), conf=0.25, iou=0.7, imgsz=64, rect=False, verbose=False)
            boxes = result[0].boxes
            theirs = np.concatenate([boxes.xyxy.numpy(), boxes.conf.numpy()[:, None], boxes.cls.numpy()[:, None]], 1)
            _matched(ours, theirs, 0.25)
            compared += len(theirs)
    assert compared > 20  # the comparison saw real boxes, of more than one class
