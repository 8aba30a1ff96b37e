"""Knowledge distillation: what a training step compares the network's output with.

A step's loss is an ``Objective`` of (output, degraded input, clean target). Without a teacher it is the pixel
loss against the clean image; with one, the pixel loss against ``(1 - w)`` x the clean image plus ``w`` x the
teacher's output on the same input. The teacher is a registered restoration version, rebuilt from its PyTorch
weights and run in eval mode without gradients, so only the student learns.

Fixed pairs that fit in memory get the blended targets once, before training (``TaughtPairs``): the same
target for the same crop, without a teacher forward pass in every step (layer 2 mini teaching layer 1 mini: 139
CPU-ms per batch of 8 x 64², the student's whole step 119 CPU-ms, so half a CPU-time budget went to the
teacher). Clean images degraded afresh every epoch cannot be taught ahead, so they keep the teacher in the step
(``DistillationObjective``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch
from torch import nn

from backend.jobs.context import JobContext
from backend.restoration.datasets import ImagePairs, PairImages, to_tensor
from backend.restoration.losses import build_loss
from backend.restoration.params import TrainRestorationParams
from backend.restoration.saved_weights import registered_weights
from backend.restoration.tiling import tiled_forward


class Objective(Protocol):
    def __call__(self, output: torch.Tensor, degraded: torch.Tensor, clean: torch.Tensor) -> torch.Tensor: ...


class PixelObjective:
    """The loss against the clean target alone."""

    def __init__(self, loss: nn.Module) -> None:
        self.loss = loss

    def __call__(self, output: torch.Tensor, degraded: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
        return self.loss(output, clean)


def blended(clean: torch.Tensor, taught: torch.Tensor, weight: float) -> torch.Tensor:
    """The student's target: ``(1 - weight)`` x the clean image + ``weight`` x the teacher's output."""
    return taught if weight >= 1.0 else torch.lerp(clean, taught, weight)


class DistillationObjective:
    """The loss against the clean target blended with a frozen teacher's output on the step's input."""

    def __init__(self, loss: nn.Module, teacher: nn.Module, weight: float) -> None:
        self.loss, self.weight = loss, weight
        self.teacher = teacher.eval().requires_grad_(False)

    def target(self, degraded: torch.Tensor) -> torch.Tensor:
        self.teacher.to(degraded.device)  # a no-op once there
        with torch.no_grad():
            return self.teacher(degraded).float().clamp(0, 1)

    def __call__(self, output: torch.Tensor, degraded: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
        return self.loss(output, blended(clean, self.target(degraded), self.weight))


class TaughtPairs:
    """Training pairs whose target is already blended with the teacher's output on the whole degraded image
    (``ImagePairs``: the blended target where the clean image was, the degraded image unchanged)."""

    def __init__(self, targets: list[np.ndarray], images: ImagePairs, cpu_seconds: float = 0.0) -> None:
        self.targets, self.images = targets, images
        self.cpu_seconds = cpu_seconds  # what teaching them cost, outside the training's time budget

    def __len__(self) -> int:
        return len(self.targets)

    def get(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self.targets[index], self.images.get(index)[1]


#: images side by side in one teacher pass (equal sizes only), and the tile above which one is restored in tiles
TEACH_BATCH, TEACH_TILE = 16, 512


def teach_pairs(
    images: PairImages, teacher: nn.Module, weight: float, check: Callable[[], None] = lambda: None
) -> TaughtPairs:
    """Every training pair's blended target, from one teacher pass per image (equal sizes batched); ``check``
    runs between batches (a job's cancellation check)."""
    began = time.process_time()
    teacher = teacher.to("cpu").eval()
    targets: dict[int, np.ndarray] = {}
    by_shape: dict[tuple[int, ...], list[int]] = {}
    for index in range(len(images)):
        by_shape.setdefault(images.get(index)[1].shape, []).append(index)
    for shape, indices in by_shape.items():
        batch = TEACH_BATCH if max(shape[:2]) <= TEACH_TILE else 1
        for first in range(0, len(indices), batch):
            check()
            chunk = indices[first : first + batch]
            pairs = [images.get(i) for i in chunk]
            degraded = torch.stack([to_tensor(d) for _, d in pairs])
            clean = torch.stack([to_tensor(c) for c, _ in pairs])
            with torch.inference_mode():
                taught = tiled_forward(teacher, degraded, tile=TEACH_TILE).float().clamp(0, 1)
                target = blended(clean, taught, weight).mul_(255.0).add_(0.5).clamp_(0, 255)
            for index, image in zip(chunk, target.to(torch.uint8).permute(0, 2, 3, 1).numpy(), strict=True):
                targets[index] = image
    return TaughtPairs([targets[i] for i in range(len(images))], images, time.process_time() - began)


def _teacher_network(params: TrainRestorationParams, ctx: JobContext) -> nn.Module:
    """The teacher's network from its weights (the registry's, or a SageMaker container's teacher channel), frozen
    on the CPU."""
    weights = registered_weights(params.teacher, ctx, "teacher")
    ctx.log(f"distilling from {params.teacher} ({weights.config.preset or '?'}), weight {params.distill_weight:g}")
    return weights.network().eval().requires_grad_(False)


def objective_for(params: TrainRestorationParams, ctx: JobContext) -> Objective | None:
    """The distillation objective when the run has a teacher (None: the trainer's pixel loss)."""
    if not params.teacher:
        return None
    return DistillationObjective(build_loss(params.loss), _teacher_network(params, ctx), params.distill_weight)


#: teaching ahead restores every whole image once; a step's teacher restores only crops. Ahead is chosen while an
#: image is at most this many crops (and at most the run's epochs), so it never costs more than that many epochs
#: of in-step teaching
AHEAD_MAX_CROPS_PER_IMAGE = 16


def not_taught_ahead(params: TrainRestorationParams, images: PairImages) -> str:
    """Why the pairs are not taught ahead ("" when they are)."""
    if not images.in_memory:
        return "the pairs do not fit in memory"
    pixels = sum(images.get(index)[1][..., 0].size for index in range(len(images)))
    crops = pixels / len(images) / params.patch**2
    if crops > min(params.epochs, AHEAD_MAX_CROPS_PER_IMAGE):
        return f"an image is {crops:.0f} crops of {params.patch} px on average, more than teaching ahead saves"
    return ""


def taught_training_pairs(
    params: TrainRestorationParams, images: PairImages, ctx: JobContext
) -> tuple[ImagePairs, Objective | None]:
    """What a run on fixed pairs trains on: the pairs and the objective, taught ahead (``teach_pairs``) when
    there is a teacher and the pairs are in memory, else the pairs and ``objective_for``'s objective."""
    if not params.teacher:
        return images, None
    why_not = not_taught_ahead(params, images)
    if why_not:
        ctx.log(f"the teacher runs in every training step: {why_not}")
        return images, objective_for(params, ctx)
    network = _teacher_network(params, ctx)
    ctx.progress(0, 0, unit="", message="the teacher restores the training pairs")
    taught = teach_pairs(images, network, params.distill_weight, ctx.check_cancelled)
    ctx.log(f"teacher targets for {len(taught)} pairs in {taught.cpu_seconds:.1f} CPU-s, before the time budget")
    return taught, None
