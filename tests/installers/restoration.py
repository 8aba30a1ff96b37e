"""A registered restoration model on a real backend for the bundle's restore step, and images to restore."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from desktop.client import Connection
from protos.omni.v1 import jobs_pb2, training_pb2

SIZE = 48


def _smooth(rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    phase = rng.uniform(0, 6.28, size=3)
    return np.stack([0.5 + 0.4 * np.sin(6 * xx + 4 * yy * (c + 1) + phase[c]) for c in range(3)], axis=-1)


def _noisy(rng: np.random.Generator, clean: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(clean + rng.normal(0, 0.12, clean.shape), 0, 1) * 255).astype(np.uint8))


def noisy_images(folder: Path, count: int, seed: int = 1) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = [folder / f"scan_{index}.png" for index in range(count)]
    for path in paths:
        _noisy(rng, _smooth(rng)).save(path)
    return paths


def train_tiny_model(connection: Connection, root: Path) -> str:
    """A registered layer-1 version: the tiny preset, one epoch on six 48 px pairs, on the CPU (seconds)."""
    rng = np.random.default_rng(0)
    for side in ("clean", "degraded"):
        (root / side).mkdir(parents=True)
    for index in range(6):
        clean = _smooth(rng)
        Image.fromarray((clean * 255).astype(np.uint8)).save(root / "clean" / f"p{index}.png")
        _noisy(rng, clean).save(root / "degraded" / f"p{index}.png")
    spec = training_pb2.TrainRestorationSpec(
        data=str(root), layer=1, preset="tiny", epochs=1, batch_size=4, patch=32, device="cpu", val_split=0.34
    )
    job = connection.submit(jobs_pb2.JobSpec(train_restoration=spec))
    for _ in connection.follow_job(job.id):
        pass
    job = connection.get_job(job.id)
    assert job.state == jobs_pb2.JOB_STATE_SUCCEEDED, job.message
    return job.outputs["model_version"]
