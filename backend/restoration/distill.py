"""Knowledge distillation: what a training step compares the network's output with.

A step's loss is an ``Objective`` of (output, degraded input, clean target). Without a teacher it is the pixel
loss against the clean image; with one, ``(1 - w)`` x that plus ``w`` x the same loss against the teacher's
output on the same input. The teacher is a registered restoration version, rebuilt from its PyTorch weights
and run in eval mode without gradients, so only the student learns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import torch
from torch import nn

from backend.jobs.context import JobContext
from backend.registry import ModelVersion
from backend.registry.shared import registry_at
from backend.restoration.archs import build_network, config_from_dict
from backend.restoration.losses import build_loss
from backend.restoration.params import TrainRestorationParams
from backend.restoration.teacher import teacher_version
from backend.storage.base import ArtifactStore


class Objective(Protocol):
    def __call__(self, output: torch.Tensor, degraded: torch.Tensor, clean: torch.Tensor) -> torch.Tensor: ...


class PixelObjective:
    """The loss against the clean target alone."""

    def __init__(self, loss: nn.Module) -> None:
        self.loss = loss

    def __call__(self, output: torch.Tensor, degraded: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
        return self.loss(output, clean)


class DistillationObjective:
    """The loss against the clean target blended with the loss against a frozen teacher's output."""

    def __init__(self, loss: nn.Module, teacher: nn.Module, weight: float) -> None:
        self.loss, self.weight = loss, weight
        self.teacher = teacher.eval().requires_grad_(False)

    def target(self, degraded: torch.Tensor) -> torch.Tensor:
        self.teacher.to(degraded.device)  # a no-op once there
        with torch.no_grad():
            return self.teacher(degraded).float().clamp(0, 1)

    def __call__(self, output: torch.Tensor, degraded: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
        taught = self.loss(output, self.target(degraded))
        if self.weight >= 1.0:
            return taught
        return (1 - self.weight) * self.loss(output, clean) + self.weight * taught


def load_teacher(store: ArtifactStore, model: ModelVersion, scratch: Path, device: torch.device) -> nn.Module:
    """The teacher's network from its registered weights, on ``device``, frozen."""
    path = scratch / f"teacher-{model.version}.pt"
    if not path.is_file():
        store.get_file(model.files["weights"], path)
    saved = torch.load(path, map_location="cpu", weights_only=True)
    network = build_network(config_from_dict(saved["config"]))
    network.load_state_dict(saved["state_dict"])
    return network.to(device).eval().requires_grad_(False)


def objective_for(params: TrainRestorationParams, ctx: JobContext) -> Objective | None:
    """The distillation objective when the run has a teacher (None: the trainer's pixel loss)."""
    if not params.teacher:
        return None
    teacher = teacher_version(registry_at(ctx.workspace_root), params.teacher)
    network = load_teacher(ctx.store, teacher, ctx.scratch_dir, torch.device("cpu"))
    ctx.log(f"distilling from {teacher.version} ({teacher.card.get('preset', '?')}), weight {params.distill_weight:g}")
    return DistillationObjective(build_loss(params.loss), network, params.distill_weight)
