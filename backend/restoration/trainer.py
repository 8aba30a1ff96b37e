"""The restoration training loop: AdamW, warm-up + cosine schedule (annealed to the time budget when
there is one), Charbonnier/L1(+SSIM), AMP on CUDA, per-epoch validation and checkpoints, exact resume.
It reports through a ``JobContext`` and knows nothing of gRPC, the registry or reports
(``backend.restoration.run`` puts those together)."""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils.data import DataLoader

from backend.jobs.context import JobContext
from backend.jobs.lifeline import die_with_parent
from backend.restoration.archs import NetworkConfig, build_network, config_to_dict, count_parameters
from backend.restoration.checkpoints import load_checkpoint, restore_rng, rng_state, save_checkpoint
from backend.restoration.datasets import EpochSampler, TrainingSet, ValidationPairs, to_tensor
from backend.restoration.distill import Objective, PixelObjective
from backend.restoration.losses import build_loss
from backend.restoration.metrics import psnr_torch, ssim_torch
from backend.restoration.params import TrainRestorationParams
from backend.restoration.tiling import tiled_forward
from omni_core.errors import FailedPrecondition, JobCancelled, ResourceExhausted

STEP_METRIC_EVERY = 1
WARMUP_STEPS = 100
VAL_TILE = 512


class NonFiniteLoss(FailedPrecondition):
    """The loss became NaN or infinite; the run stops instead of training on garbage."""


@dataclass
class EpochMetrics:
    epoch: int
    train_loss: float
    val_loss: float
    psnr: float
    ssim: float
    improved_fraction: float
    lr: float
    seconds: float
    images_per_second: float


@dataclass
class TrainOutcome:
    """What a run produced so far. The caller creates it and the loop fills it in as it goes, so a
    run that fails or is cancelled still leaves its curves for the report."""

    config: NetworkConfig
    model: torch.nn.Module | None = None
    history: list[EpochMetrics] = field(default_factory=list)
    step_losses: list[tuple[int, float]] = field(default_factory=list)
    baseline: dict[str, float] = field(default_factory=dict)
    device: str = ""
    train_pairs: int = 0
    val_pairs: int = 0
    resumed_at_epoch: int = 0
    train_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class _Budget:
    """A wall-clock and/or CPU-time limit on training (0 = none)."""

    def __init__(self, wall_minutes: float, cpu_minutes: float) -> None:
        self.wall_minutes, self.cpu_minutes = wall_minutes, cpu_minutes
        self.wall_end = time.perf_counter() + wall_minutes * 60 if wall_minutes > 0 else math.inf
        self.cpu_end = time.process_time() + cpu_minutes * 60 if cpu_minutes > 0 else math.inf

    def spent(self) -> bool:
        return self.fraction() >= 1.0

    def fraction(self) -> float:
        """How much of the tighter budget is used, 0 to 1 (0 without a budget)."""
        shares = [0.0]
        if self.wall_minutes > 0:
            shares.append(1 - (self.wall_end - time.perf_counter()) / (self.wall_minutes * 60))
        if self.cpu_minutes > 0:
            shares.append(1 - (self.cpu_end - time.process_time()) / (self.cpu_minutes * 60))
        return min(1.0, max(shares))

    def describe(self) -> str:
        wall = f"{self.wall_minutes:g} min" if self.wall_minutes else ""
        cpu = f"{self.cpu_minutes:g} CPU-min" if self.cpu_minutes else ""
        return "time budget of " + " / ".join(part for part in (wall, cpu) if part)


class LearningRateSchedule:
    """Linear warm-up over the first steps, then a cosine from the peak down to 1% of it.

    Progress is the share of the planned steps done, or the share of the time budget spent when that is
    further along: a run that its budget stops has annealed by then, instead of stopping at the peak rate.
    Without a budget the rate depends on the step alone, so resumed runs match exactly.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        peak: float,
        total_steps: int,
        budget_used: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.optimizer, self.peak, self.budget_used = optimizer, peak, budget_used
        self.total_steps = max(1, total_steps)
        self.warmup = min(WARMUP_STEPS, self.total_steps // 20)

    def apply(self, step: int) -> float:
        """Set the rate for optimizer step ``step`` (0-based) and return it."""
        if step < self.warmup:
            lr = self.peak * (step + 1) / (self.warmup + 1)
        else:
            planned = (step - self.warmup) / max(1, self.total_steps - self.warmup)
            progress = min(1.0, max(planned, self.budget_used()))
            floor = self.peak * 0.01
            lr = floor + (self.peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr


def resolve_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise FailedPrecondition("CUDA was asked for, but PyTorch sees no GPU on this backend", field="device")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def loader_workers(requested: int, device: torch.device) -> int:
    """-1: load in this process; 0: sized to the machine; N: N worker processes."""
    if requested != 0:
        return max(0, requested)
    cpus = os.cpu_count() or 1
    return min(8, cpus) if device.type == "cuda" else min(4, max(0, cpus // 2))


def _is_oom(error: BaseException) -> bool:
    return isinstance(error, torch.cuda.OutOfMemoryError) or "out of memory" in str(error).lower()


@torch.no_grad()
def evaluate(
    model: torch.nn.Module, images: ValidationPairs, device: torch.device, loss_fn: torch.nn.Module
) -> dict[str, float]:
    """Whole-image validation (tiled when large): loss, PSNR, SSIM, share of images improved."""
    model.eval()
    losses, psnrs, ssims, improved = [], [], [], 0
    for index in range(len(images)):
        clean, degraded = images.get(index)
        target = to_tensor(clean)[None].to(device)
        source = to_tensor(degraded)[None].to(device)
        output = tiled_forward(model, source, tile=VAL_TILE).float().clamp(0, 1)
        losses.append(float(loss_fn(output, target)))
        psnr_out = float(psnr_torch(output, target)[0])
        psnrs.append(psnr_out)
        ssims.append(float(ssim_torch(output, target)[0]))
        improved += psnr_out > float(psnr_torch(source, target)[0])
    model.train()
    count = max(1, len(losses))
    return {
        "loss": sum(losses) / count,
        "psnr": _finite_mean(psnrs),
        "ssim": sum(ssims) / count,
        "improved_fraction": improved / count,
    }


@torch.no_grad()
def baseline_metrics(images: ValidationPairs, device: torch.device) -> dict[str, float]:
    """How good the degraded inputs already are: what a model must beat."""
    psnrs, ssims = [], []
    for index in range(len(images)):
        clean, degraded = images.get(index)
        target, source = to_tensor(clean)[None].to(device), to_tensor(degraded)[None].to(device)
        psnrs.append(float(psnr_torch(source, target)[0]))
        ssims.append(float(ssim_torch(source, target)[0]))
    return {"psnr": _finite_mean(psnrs), "ssim": sum(ssims) / max(1, len(ssims))}


def _finite_mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else float("inf")


def train(
    params: TrainRestorationParams,
    config: NetworkConfig,
    dataset: TrainingSet,
    val_images: ValidationPairs,
    ctx: JobContext,
    outcome: TrainOutcome,
    objective: Objective | None = None,
) -> TrainOutcome:
    """Train on ``dataset`` (indexed by ``(epoch, index)``: pairs' patches, or clean crops degraded afresh) and
    validate on ``val_images`` after every epoch. ``objective`` is a step's loss (default: the pixel loss against
    the clean target; ``backend.restoration.distill`` adds a teacher); validation always scores the clean target."""
    device = resolve_device(params.device)
    torch.manual_seed(params.seed)
    model = build_network(config).to(device)
    outcome.model, outcome.device = model, device.type
    outcome.train_pairs, outcome.val_pairs = len(dataset), len(val_images)
    loss_fn = build_loss(params.loss).to(device)
    objective = objective or PixelObjective(loss_fn)
    optimizer = torch.optim.AdamW(model.parameters(), lr=params.lr, weight_decay=1e-4, betas=(0.9, 0.999))
    sampler = EpochSampler(len(dataset), params.seed)
    workers = loader_workers(params.num_workers, device)
    loader = DataLoader(
        dataset,
        batch_size=params.batch_size,
        sampler=sampler,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
        # a worker dies with this process, even one SIGKILLed after the cancel grace period
        worker_init_fn=functools.partial(die_with_parent, os.getpid()) if workers > 0 else None,
        drop_last=len(dataset) > params.batch_size,
    )
    steps_per_epoch = len(loader)
    total_steps = params.epochs * steps_per_epoch
    use_amp = device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    history = outcome.history
    start_epoch, start_step = 0, 0
    partial: dict[str, Any] = {}
    if ctx.resumed_from:
        state = load_checkpoint(ctx.store, ctx.resumed_from, ctx.scratch_dir)
        if state["config"] != config_to_dict(config):
            raise FailedPrecondition("the checkpoint was made with another network configuration")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        restore_rng(state["rng"])
        history[:] = [EpochMetrics(**item) for item in state["history"]]
        outcome.step_losses[:] = [tuple(item) for item in state.get("step_losses", [])]
        start_epoch = outcome.resumed_at_epoch = state["epoch"]
        partial = state.get("partial_epoch") or {}
        start_step = int(partial.get("steps", 0))
        ctx.log(
            f"resumed from job {ctx.resumed_from} after epoch {start_epoch}"
            + (f" and {start_step} steps of epoch {start_epoch + 1}" if start_step else "")
        )
        for item in history:  # the new job's log carries the whole curve
            _emit_epoch(ctx, item, steps_per_epoch)
    ctx.log(
        f"training {config.arch} ({config.preset}, {count_parameters(model):,} parameters) on {device.type}: "
        f"{len(dataset)} train / {len(val_images)} val pairs, {steps_per_epoch} steps per epoch, "
        f"{workers} loader workers"
    )
    baseline = outcome.baseline = baseline_metrics(val_images, device)
    ctx.log(f"degraded input: PSNR {baseline['psnr']:.2f} dB, SSIM {baseline['ssim']:.4f}")
    began = time.perf_counter()
    global_step = start_epoch * steps_per_epoch + start_step
    ctx.progress(global_step, total_steps, unit="steps", message=f"epoch {start_epoch + 1}/{params.epochs}")
    deadline = _Budget(params.max_minutes, params.cpu_minutes)
    schedule = LearningRateSchedule(optimizer, params.lr, total_steps, deadline.fraction)
    lr = params.lr
    for epoch in range(start_epoch, params.epochs):
        if deadline.spent():
            break
        first_step = start_step if epoch == start_epoch else 0
        sampler.set_epoch(epoch, skip=first_step * params.batch_size)
        epoch_began = time.perf_counter()
        loss_sum, seen = (float(partial.get("loss_sum", 0.0)), int(partial.get("seen", 0))) if first_step else (0.0, 0)
        model.train()
        for step, (degraded, clean) in enumerate(loader, start=first_step):
            if ctx.cancelled:
                _save_on_interruption(ctx, epoch, step, loss_sum, seen, config, model, optimizer, scaler, outcome)
            ctx.check_cancelled()
            degraded = degraded.to(device, non_blocking=True)
            clean = clean.to(device, non_blocking=True)
            lr = schedule.apply(global_step)
            try:
                with torch.autocast(device.type, enabled=use_amp):
                    loss = objective(model(degraded), degraded, clean)
                if not torch.isfinite(loss):
                    raise NonFiniteLoss(
                        f"the loss became {loss.item()} at epoch {epoch + 1}, step {step + 1}; "
                        f"try a lower learning rate than {params.lr}"
                    )
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            except RuntimeError as error:
                if _is_oom(error):
                    raise ResourceExhausted(
                        f"out of memory with batch size {params.batch_size} and patch {params.patch} on {device.type}; "
                        f"try --batch-size {max(1, params.batch_size // 2)} or a smaller --patch"
                    ) from error
                raise
            global_step += 1
            value = loss.item()
            loss_sum += value * degraded.shape[0]
            seen += degraded.shape[0]
            outcome.step_losses.append((global_step, value))
            if global_step % STEP_METRIC_EVERY == 0:
                ctx.metric("train/loss_step", value, step=global_step, epoch=epoch + 1)
            ctx.progress(global_step, total_steps, unit="steps", message=f"epoch {epoch + 1}/{params.epochs}")
            if deadline.spent():
                ctx.log(f"{deadline.describe()} reached at epoch {epoch + 1}, step {step + 1}")
                break
        train_seconds = time.perf_counter() - epoch_began
        val = evaluate(model, val_images, device, loss_fn)
        metrics = EpochMetrics(
            epoch=epoch + 1,
            train_loss=loss_sum / max(1, seen),
            val_loss=val["loss"],
            psnr=val["psnr"],
            ssim=val["ssim"],
            improved_fraction=val["improved_fraction"],
            lr=lr,
            seconds=time.perf_counter() - epoch_began,
            images_per_second=seen / train_seconds if train_seconds > 0 else 0.0,
        )
        history.append(metrics)
        _emit_epoch(ctx, metrics, steps_per_epoch)
        save_checkpoint(
            ctx.store, ctx.job_id, ctx.scratch_dir, _state(epoch + 1, config, model, optimizer, scaler, outcome)
        )
    outcome.train_seconds = time.perf_counter() - began
    return outcome


def _state(
    epochs_done: int,
    config: NetworkConfig,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    outcome: TrainOutcome,
    partial_epoch: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A checkpoint: everything an exact resume needs (``partial_epoch``: how far into the next epoch)."""
    return {
        "epoch": epochs_done,
        "partial_epoch": partial_epoch or {},
        "config": config_to_dict(config),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict(),
        "rng": rng_state(),
        "history": [vars(item) for item in outcome.history],
        "step_losses": outcome.step_losses,
    }


def _save_on_interruption(
    ctx: JobContext,
    epoch: int,
    steps: int,
    loss_sum: float,
    seen: int,
    config: NetworkConfig,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    outcome: TrainOutcome,
) -> None:
    """An interruption (a Spot reclaim, the backend stopping) keeps the steps of the epoch under way; a person's
    cancel keeps the last completed epoch, as before."""
    if ctx.stop_reason != "interrupted" or not steps:
        return
    partial = {"steps": steps, "loss_sum": loss_sum, "seen": seen}
    state = _state(epoch, config, model, optimizer, scaler, outcome, partial)
    save_checkpoint(ctx.store, ctx.job_id, ctx.scratch_dir, state)
    ctx.log(f"interrupted: checkpoint saved at epoch {epoch + 1}, step {steps}")


def _emit_epoch(ctx: JobContext, metrics: EpochMetrics, steps_per_epoch: int) -> None:
    step = metrics.epoch * steps_per_epoch
    for name, value in (
        ("train/loss", metrics.train_loss),
        ("val/loss", metrics.val_loss),
        ("val/psnr", metrics.psnr),
        ("val/ssim", metrics.ssim),
        ("val/improved_fraction", metrics.improved_fraction),
        ("lr", metrics.lr),
        ("train/images_per_second", metrics.images_per_second),
    ):
        ctx.metric(name, value, step=step, epoch=metrics.epoch)
    ctx.log(
        f"epoch {metrics.epoch}: loss {metrics.train_loss:.4f}, val loss {metrics.val_loss:.4f}, "
        f"PSNR {metrics.psnr:.2f} dB, SSIM {metrics.ssim:.4f}, improved {metrics.improved_fraction:.0%}"
    )


__all__ = [
    "EpochMetrics",
    "JobCancelled",
    "LearningRateSchedule",
    "NonFiniteLoss",
    "TrainOutcome",
    "evaluate",
    "resolve_device",
    "train",
]
