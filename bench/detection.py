"""Detection speed, measured in one run: ``python -m bench.detection`` (not part of CI).

1. Training overhead: the same data, model and arguments trained (a) through our ``train_detection`` job
   (worker process, callbacks, metric events, checkpoint copies to the store) and (b) by calling
   Ultralytics' ``DetectionTrainer`` directly in a fresh process. Epoch time is from the start of an
   epoch's first batch to the end of its validation, as both sides measure it. Two rounds in alternating
   order (file caches and clocks warm up); each run's first epoch is left out, the medians of the rest are
   compared. Target: under 5% overhead.
2. Inference on the CPU at imgsz 640: images/s of our ONNX Runtime detector (letterbox + NMS in numpy)
   and of Ultralytics' PyTorch predictor on the same model and images, for square 640 px images and
   4:3 photos of 1280 x 960 (the predictor letterboxes those to 640 x 480 by default; the static ONNX
   export always runs 640 x 640).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

TRAIN_ARGS: dict[str, Any] = {"epochs": 3, "imgsz": 320, "batch": 16, "device": "cpu", "seed": 0}


def synth(out: Path, count: int, size: int, seed: int = 7) -> Path:
    from backend.storage import LocalStore
    from backend.synthetic.detection import generate_detection
    from backend.synthetic.params import SynthDetectionParams, validate_detection
    from bench.spine import _NullContext

    params = validate_detection(SynthDetectionParams(count=count, out=str(out), size=size, seed=seed))
    generate_detection(params, LocalStore(out), _NullContext())  # type: ignore[arg-type]
    return out / "data.yaml"


# -- training overhead ------------------------------------------------------------------------------------------


def _direct(data_yaml: str, folder: str, args: dict[str, Any], queue: Any) -> None:
    """In a fresh process: Ultralytics' trainer alone, with the job's arguments and a timing callback."""
    from backend.detection import ultralytics_env

    ultralytics_env.prepare(Path(folder))
    from ultralytics.models.yolo.detect import DetectionTrainer

    overrides = {**args, "model": "yolo11n.yaml", "data": data_yaml, "project": folder, "name": "direct",
                 "exist_ok": True, "plots": False, "verbose": False, "deterministic": True}  # fmt: skip
    trainer = DetectionTrainer(overrides=overrides)
    epochs: list[float] = []
    marks: dict[str, float] = {}
    trainer.add_callback("on_train_epoch_start", lambda t: marks.__setitem__("start", time.perf_counter()))
    trainer.add_callback("on_train_epoch_end", lambda t: marks.__setitem__("pending", 1.0))

    def fit_end(t: Any) -> None:
        if marks.pop("pending", None):
            epochs.append(time.perf_counter() - marks["start"])

    trainer.add_callback("on_fit_epoch_end", fit_end)
    trainer.train()
    queue.put(epochs)


def direct_epochs(data_yaml: Path, folder: Path) -> list[float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_direct, args=(str(data_yaml), str(folder), TRAIN_ARGS, queue))
    process.start()
    epochs = queue.get(timeout=3600)
    process.join()
    return list(epochs)


def job_epochs(data_yaml: Path, workspace: Path) -> tuple[list[float], float]:
    from backend.rpc.server import start_backend
    from backend.settings import ServerSettings
    from desktop.client import BackendTarget, Connection
    from desktop.client.connection import TERMINAL_STATES
    from protos.omni.v1 import detection_pb2, jobs_pb2

    backend = start_backend(ServerSettings(host="127.0.0.1", port=0, workspace=workspace, token="bench"))
    try:
        with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token="bench")) as client:
            spec = detection_pb2.TrainDetectionSpec(data=str(data_yaml), **TRAIN_ARGS)
            started = time.perf_counter()
            job = client.submit(jobs_pb2.JobSpec(train_detection=spec))
            for _event in client.follow_job(job.id):
                pass
            final = client.get_job(job.id)
            assert final.state in TERMINAL_STATES
            total = time.perf_counter() - started
            if final.state != jobs_pb2.JOB_STATE_SUCCEEDED:
                raise SystemExit(f"the training job failed: {final.message}")
            report = json.loads(client.get_report(job.id, "json"))
    finally:
        backend.stop()
    return [float(e["seconds"]) for e in report["epochs"]], total


# -- inference ------------------------------------------------------------------------------------------------


def _photos(count: int, height: int, width: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        base = rng.integers(0, 255, (height // 16, width // 16, 3), dtype=np.uint8)
        images.append(np.ascontiguousarray(np.repeat(np.repeat(base, 16, axis=0), 16, axis=1)))
    return images


def inference(folder: Path, count: int) -> list[tuple[str, str, float]]:
    import torch

    from backend.detection import ultralytics_env

    ultralytics_env.prepare(folder)
    from ultralytics import YOLO
    from ultralytics.nn.tasks import DetectionModel

    from backend.detection.export import export_detector
    from backend.detection.onnx_detector import OnnxDetector

    model = DetectionModel("yolo11n.yaml", nc=6, verbose=False)
    model.names = dict(enumerate(["dent", "dirt", "rust", "scratch", "spoiled", "mold"]))  # type: ignore[assignment]
    model.args = {"imgsz": 640, "task": "detect"}  # type: ignore[assignment]
    weights = folder / "yolo11n-640.pt"
    torch.save({"model": model, "train_args": {"imgsz": 640, "task": "detect"}, "epoch": -1}, weights)
    onnx = export_detector(weights, folder / "yolo11n-640.onnx", 640).path
    detector = OnnxDetector.open(onnx)
    predictor = YOLO(str(weights))
    rows = []
    for label, images in (("640x640", _photos(count, 640, 640, 1)), ("1280x960", _photos(count, 960, 1280, 2))):
        detector.detect(images[0])
        predictor.predict(images[0][..., ::-1].copy(), imgsz=640, verbose=False, device="cpu")
        began = time.perf_counter()
        for image in images:
            detector.detect(image, conf=0.25, iou=0.7)
        rows.append((label, f"ONNX Runtime ({detector.provider})", count / (time.perf_counter() - began)))
        began = time.perf_counter()
        for image in images:
            predictor.predict(image[..., ::-1].copy(), imgsz=640, conf=0.25, iou=0.7, verbose=False, device="cpu")
        rows.append(
            (label, f"Ultralytics PyTorch predictor (torch {torch.__version__})", count / (time.perf_counter() - began))
        )
    return rows


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-images", type=int, default=64, help="generated training scenes (default 64)")
    parser.add_argument("--size", type=int, default=320, help="side of the generated scenes (default 320)")
    parser.add_argument("--images", type=int, default=40, help="images per inference measurement (default 40)")
    parser.add_argument("--rounds", type=int, default=2, help="training rounds, alternating the order (default 2)")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OMNI_DENY_NETWORK", "1")
    with tempfile.TemporaryDirectory(prefix="omni-bench-detection-") as tmp:
        root = Path(tmp)
        print(f"machine: {os.cpu_count()} CPUs")
        if not args.skip_training:
            data_yaml = synth(root / "scenes", args.train_images, args.size)
            print(f"training: {args.train_images} scenes of {args.size} px, yolo11n.yaml, {TRAIN_ARGS}")
            direct: list[float] = []
            ours: list[float] = []
            for round_ in range(args.rounds):
                runs = ("direct", "job") if round_ % 2 == 0 else ("job", "direct")
                for which in runs:
                    if which == "direct":
                        epochs = direct_epochs(data_yaml, root / f"direct-{round_}")
                        direct += epochs[1:]
                        print(f"  round {round_ + 1}, Ultralytics directly: epochs {_seconds(epochs)} s")
                    else:
                        epochs, total = job_epochs(data_yaml, root / f"workspace-{round_}")
                        ours += epochs[1:]
                        print(f"  round {round_ + 1}, our training job:     epochs {_seconds(epochs)} s "
                              f"(whole job {total:.1f} s incl. start, export, review and report)")  # fmt: skip
            d, o = statistics.median(direct), statistics.median(ours)
            print(f"  median epoch after the first: directly {d:.2f} s, our job {o:.2f} s")
            print(f"  overhead per epoch: {(o - d) / d * 100:+.1f}% (target < 5%)")
        print(f"inference on the CPU at imgsz 640 ({args.images} images each):")
        for label, engine, rate in inference(root / "inference", args.images):
            print(f"  {label:<9} {engine:<58} {rate:6.1f} images/s")


if __name__ == "__main__":
    main()
