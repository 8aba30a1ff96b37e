"""Detection fixtures. Training is the expensive part, so one backend and one trained detector serve the
whole folder (session scope): a tiny generated dataset (16 images of 64 px), yolo11n.yaml, imgsz 64, two
epochs on the CPU. Every worker runs with ``OMNI_DENY_NETWORK=1``: a connection or lookup beyond this
machine fails and is logged, which the tests check for.

From scratch, two epochs find nothing (mAP 0). Where predictions are needed (ONNX parity, suggestions,
pre-labelling), ``busy_checkpoint`` is that detector with its head nudged so that it predicts many boxes of
several classes: a real Ultralytics checkpoint, just not a useful one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.rpc.server import Backend, start_backend
from backend.settings import ServerSettings
from desktop.client import BackendTarget, Connection
from protos.omni.v1 import detection_pb2, jobs_pb2
from tests.helpers import wait_for_state

TOKEN = "detection-token"


@dataclass
class TrainedDetector:
    job: jobs_pb2.Job
    version: str
    data_dir: Path
    weights: Path  # best.pt in the registry
    onnx: Path


def generate_scenes(out: Path, count: int = 16, size: int = 64, seed: int = 1) -> Path:
    """A YOLO dataset written by the product's own generator (data.yaml without a path key)."""
    from backend.storage import LocalStore
    from backend.synthetic.detection import generate_detection
    from backend.synthetic.params import SynthDetectionParams, validate_detection
    from tests.backend.synthetic.conftest import RecordingContext

    params = validate_detection(SynthDetectionParams(count=count, out=str(out), size=size, seed=seed))
    generate_detection(params, LocalStore(out), RecordingContext(scratch_dir=out.parent / f"{out.name}-scratch"))
    return out


def train_spec(**overrides: object) -> jobs_pb2.JobSpec:
    values: dict[str, object] = {"epochs": 2, "imgsz": 64, "batch": 4, "device": "cpu", "seed": 3}
    values.update(overrides)
    return jobs_pb2.JobSpec(train_detection=detection_pb2.TrainDetectionSpec(**values))  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_scenes(tmp_path_factory.mktemp("detection") / "scenes")


@pytest.fixture(scope="session")
def offline_ultralytics(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ultralytics made offline for this (the test) process, for tests that use it directly."""
    from backend.detection import ultralytics_env

    return ultralytics_env.prepare(tmp_path_factory.mktemp("ultralytics-here"))


@pytest.fixture(scope="session")
def detection_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    previous = os.environ.get("OMNI_DENY_NETWORK")
    os.environ["OMNI_DENY_NETWORK"] = "1"  # inherited by every worker process the backend spawns
    settings = ServerSettings(
        host="127.0.0.1",
        port=0,
        workspace=tmp_path_factory.mktemp("detection-workspace"),
        token=TOKEN,
        shutdown_grace_s=5.0,
    )
    backend = start_backend(settings)
    yield backend
    backend.stop(grace_s=5.0)
    if previous is None:
        os.environ.pop("OMNI_DENY_NETWORK", None)
    else:
        os.environ["OMNI_DENY_NETWORK"] = previous


@pytest.fixture(scope="session")
def detection_client(detection_backend: Backend) -> Iterator[Connection]:
    with Connection(BackendTarget(f"127.0.0.1:{detection_backend.port}", token=TOKEN)) as connection:
        yield connection


@pytest.fixture(scope="session")
def trained(detection_backend: Backend, detection_client: Connection, scenes: Path) -> TrainedDetector:
    job = detection_client.submit(train_spec(data=str(scenes / "data.yaml")))
    final = wait_for_state(detection_client, job.id, timeout=240)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    version = final.outputs["model_version"]
    model = detection_client.get_model(version)
    store = detection_backend.workspace.store
    return TrainedDetector(
        final, version, scenes, store.path_of(model.files["weights"]), store.path_of(model.files["onnx"])
    )


def _nudge_head(weights: Path, target: Path) -> None:
    import torch
    from ultralytics import YOLO

    model = YOLO(str(weights))
    head = model.model.model[-1]
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for branch, shift in ((head.cv2, 0.0), (head.cv3, 6.0)):  # box branch, class branch
            for sequence in branch:
                conv = sequence[-1]
                conv.weight.add_(torch.randn(conv.weight.shape, generator=generator) * 0.1)
                conv.bias.add_(torch.randn(conv.bias.shape, generator=generator) * 0.5 + shift)
    model.save(str(target))


@pytest.fixture(scope="session")
def busy_checkpoint(
    trained: TrainedDetector, offline_ultralytics: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A detector checkpoint (from the trained one) whose predictions are many and of several classes."""
    target = tmp_path_factory.mktemp("busy") / "busy.pt"
    _nudge_head(trained.weights, target)
    return target


@pytest.fixture(scope="session")
def busy_version(detection_client: Connection, busy_checkpoint: Path) -> str:
    """``busy_checkpoint`` imported into the registry (``ImportDetector``): a detector that finds things."""
    return detection_client.import_detector(path=str(busy_checkpoint), description="busy test detector").version


def untrained_detector(path: Path, names: list[str], imgsz: int = 64, task: str = "detect") -> Path:
    """A real Ultralytics checkpoint without training: yolo11n (or its classifier) built from its YAML."""
    import torch
    from ultralytics.nn.tasks import ClassificationModel, DetectionModel

    if task == "classify":
        model: torch.nn.Module = ClassificationModel("yolo11n-cls.yaml", nc=len(names), verbose=False)
    else:
        model = DetectionModel("yolo11n.yaml", nc=len(names), verbose=False)
    model.names = dict(enumerate(names))  # type: ignore[assignment]
    model.args = {"imgsz": imgsz, "task": task}  # type: ignore[assignment]
    torch.save({"model": model, "train_args": {"imgsz": imgsz, "task": task}, "epoch": -1}, path)
    return path


def job_logs(client: Connection, job_id: str) -> list[str]:
    return [e.log.message for e in client.watch_job(job_id) if e.WhichOneof("payload") == "log"]
