"""Training checkpoints on the artifact store: written to scratch, then uploaded atomically."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from backend.storage.base import ArtifactStore
from omni_core.errors import FailedPrecondition


def checkpoint_key(job_id: str) -> str:
    return f"training-outputs/checkpoints/{job_id}/last.pt"


def rng_state() -> dict[str, Any]:
    state = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(store: ArtifactStore, job_id: str, scratch: Path, state: dict[str, Any]) -> int:
    """Write ``state`` as the job's last checkpoint; returns its size in bytes."""
    local = scratch / "last.pt.tmp"
    torch.save(state, local)
    info = store.put_file(checkpoint_key(job_id), local)
    local.unlink(missing_ok=True)
    return info.size


def load_checkpoint(store: ArtifactStore, job_id: str, scratch: Path) -> dict[str, Any]:
    key = checkpoint_key(job_id)
    if not store.exists(key):
        raise FailedPrecondition(
            f"job {job_id} left no checkpoint to resume from (it stopped before its first epoch ended)"
        )
    local = scratch / f"resume-{job_id}.pt"
    store.get_file(key, local)
    try:
        return torch.load(local, map_location="cpu", weights_only=False)  # our own file, written by save_checkpoint
    finally:
        local.unlink(missing_ok=True)
