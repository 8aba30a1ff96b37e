"""The restoration training loop: AdamW, warm-up + cosine schedule, Charbonnier/L1(+SSIM), AMP on CUDA,
per-epoch validation. The loop keeps the essentials (device, data, forward/backward/step, OOM); reporting,
checkpoints and resume, and the time budget are callbacks at its named points (``backend.restoration.callbacks``).
It reports through a ``JobContext`` and knows nothing of gRPC, the registry or reports
(``backend.restoration.run`` puts those together)."""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable, Iterable

import torch
from torch.utils.data import DataLoader

from backend.jobs.context import JobContext
from backend.jobs.lifeline import die_with_parent
from backend.restoration.archs import NetworkConfig, build_network
from backend.restoration.callbacks import BestWeights, Callbacks, Checkpoints, Hook, Point, Reporting, TimeBudget
from backend.restoration.callbacks.best import BestEpoch
from backend.restoration.datasets import EpochSampler, TrainingSet, ValidationPairs
from backend.restoration.distill import Objective, PixelObjective
from backend.restoration.losses import build_loss
from backend.restoration.params import TrainRestorationParams
from backend.restoration.schedule import LearningRateSchedule
from backend.restoration.train_outcome import EpochMetrics, TrainOutcome
from backend.restoration.validation import baseline_metrics, evaluate
from omni_core.errors import FailedPrecondition, JobCancelled, ResourceExhausted


class NonFiniteLoss(FailedPrecondition):
    """The loss became NaN or infinite, or exploded (``DIVERGED_FACTOR``); the run stops instead of training on
    garbage for the rest of its budget."""


#: a step whose loss is this many times the lowest epoch-mean loss so far has diverged: normal steps vary about
#: 2x around their epoch's mean. (A layer 1 network 8 wide with (1, 2, 3, 3) blocks at lr 2e-3: epoch means 0.31,
#: 0.25, then 1.4e7; it trained on for 27 more epochs and failed at export, its output off by 2.7e4.)
DIVERGED_FACTOR = 1000.0

#: every step's gradients are scaled to at most this global norm before the optimizer sees them, as Restormer and
#: NAFNet train (``use_grad_clip``, 0.01). Typical norms here are 0.5-5 (charbonnier+ssim, 8 x 64 px), so every
#: step is scaled: AdamW's update does not depend on a constant scale, but one spike no longer moves every weight
#: by several learning rates at once. Without it layer1-base on real photos at lr 1e-3 went from an epoch mean of
#: 0.24 to a step loss of 570 at epoch 51.
GRAD_CLIP_NORM = 0.01


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


def _no_budget() -> float:
    return 0.0


class Trainer:
    """One run: built on construction (seeded network, optimizer, loader), trained by ``fit``. Callbacks read
    its public attributes at the named points (``backend.restoration.callbacks.base``)."""

    def __init__(
        self,
        params: TrainRestorationParams,
        config: NetworkConfig,
        dataset: TrainingSet,
        val_images: ValidationPairs,
        ctx: JobContext,
        outcome: TrainOutcome,
        objective: Objective | None = None,
    ) -> None:
        self.params, self.dataset, self.val_images, self.ctx, self.outcome = params, dataset, val_images, ctx, outcome
        self.device = device = resolve_device(params.device)
        torch.manual_seed(params.seed)
        self.model = build_network(config).to(device)
        if params.start_from:  # fine-tuning (a resumed run's checkpoint replaces these weights in turn)
            from backend.restoration.saved_weights import registered_weights

            self.model.load_state_dict(registered_weights(params.start_from, ctx, "start_from").state_dict)
            ctx.log(f"starting from the weights of {params.start_from}")
        outcome.model, outcome.device = self.model, device.type
        outcome.train_pairs, outcome.val_pairs = len(dataset), len(val_images)
        self.loss_fn = build_loss(params.loss).to(device)
        self.objective = objective or PixelObjective(self.loss_fn)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=params.lr, weight_decay=1e-4, betas=(0.9, 0.999))
        self.sampler = EpochSampler(len(dataset), params.seed)
        self.workers = workers = loader_workers(params.num_workers, device)
        self.loader = DataLoader(
            dataset,
            batch_size=params.batch_size,
            sampler=self.sampler,
            num_workers=workers,
            pin_memory=device.type == "cuda",
            persistent_workers=workers > 0,
            prefetch_factor=4 if workers > 0 else None,
            # a worker dies with this process, even one SIGKILLed after the cancel grace period
            worker_init_fn=functools.partial(die_with_parent, os.getpid()) if workers > 0 else None,
            drop_last=len(dataset) > params.batch_size,
        )
        self.steps_per_epoch = len(self.loader)
        self.total_steps = params.epochs * self.steps_per_epoch
        self.use_amp = device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        #: the share of a time budget spent, 0 to 1 (the ``TimeBudget`` callback sets it); it feeds the schedule
        self.budget_used: Callable[[], float] = _no_budget
        self.schedule = LearningRateSchedule(self.optimizer, params.lr, self.total_steps, lambda: self.budget_used())
        self.callbacks = Callbacks()
        # where training starts: a resumed run's checkpoint moves it (with its partial epoch's sums)
        self.start_epoch, self.start_step, self.start_loss_sum, self.start_seen = 0, 0, 0.0, 0
        # where training is: the epoch (0-based), the step's index in it (= steps taken before it), steps in all
        self.epoch, self.step, self.global_step = 0, 0, 0
        self.loss, self.loss_sum, self.seen, self.lr = math.nan, 0.0, 0, params.lr
        self.metrics: EpochMetrics | None = None
        self.best: BestEpoch | None = None  # the best validated epoch so far (``BestWeights``)
        self.stop = False
        self.epoch_began = self.epoch_train_seconds = 0.0

    def add_callback(self, point: Point, hook: Hook) -> None:
        self.callbacks.add(point, hook)

    def attach(self, callback: object) -> None:
        """Register each of ``callback``'s methods named after a point."""
        self.callbacks.attach(callback)

    def run_callbacks(self, point: Point) -> None:
        self.callbacks.run(point, self)

    def fit(self) -> TrainOutcome:
        """Train from the start (or where a resume puts it) to the last epoch, or until ``stop`` is set."""
        self.run_callbacks("on_pretrain_routine_start")
        self.run_callbacks("on_pretrain_routine_end")
        self.outcome.baseline = baseline_metrics(self.val_images, self.device)
        if self.params.start_from and not (self.start_epoch or self.start_step):  # resumed: in the checkpoint
            val = evaluate(self.model, self.val_images, self.device, self.loss_fn)
            self.outcome.start_metrics = {"psnr": val["psnr"], "ssim": val["ssim"]}
        began = time.perf_counter()
        self.epoch, self.step = self.start_epoch, self.start_step
        self.global_step = self.start_epoch * self.steps_per_epoch + self.start_step
        self.run_callbacks("on_train_start")
        for epoch in range(self.start_epoch, self.params.epochs):
            self.epoch, self.step = epoch, self.start_step if epoch == self.start_epoch else 0
            self.run_callbacks("on_train_epoch_start")
            if self.stop:
                break
            self._train_epoch()
            self.run_callbacks("on_train_epoch_end")
            self._validate()
            self.run_callbacks("on_fit_epoch_end")
        self.outcome.train_seconds = time.perf_counter() - began
        self.run_callbacks("on_train_end")
        return self.outcome

    def _train_epoch(self) -> None:
        first_step = self.start_step if self.epoch == self.start_epoch else 0
        self.sampler.set_epoch(self.epoch, skip=first_step * self.params.batch_size)
        self.epoch_began = time.perf_counter()
        self.loss_sum, self.seen = (self.start_loss_sum, self.start_seen) if first_step else (0.0, 0)
        self.model.train()
        for step, (degraded, clean) in enumerate(self.loader, start=first_step):
            self.step = step
            self.run_callbacks("on_train_batch_start")
            self.ctx.check_cancelled()
            self._train_step(degraded, clean)
            self.run_callbacks("on_train_batch_end")
            if self.stop:
                break
        self.epoch_train_seconds = time.perf_counter() - self.epoch_began

    def _train_step(self, degraded: torch.Tensor, clean: torch.Tensor) -> None:
        params = self.params
        degraded = degraded.to(self.device, non_blocking=True)
        clean = clean.to(self.device, non_blocking=True)
        self.lr = self.schedule.apply(self.global_step)
        try:
            with torch.autocast(self.device.type, enabled=self.use_amp):
                loss = self.objective(self.model(degraded), degraded, clean)
            value = float(loss.detach())  # the step's one read of the loss from the device
            self._check_diverged(value)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)  # clip the true gradients, not the AMP-scaled ones
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), GRAD_CLIP_NORM)
            self.scaler.step(self.optimizer)
            self.scaler.update()
        except RuntimeError as error:
            if _is_oom(error):
                raise ResourceExhausted(
                    f"out of memory with batch size {params.batch_size} and patch {params.patch} on "
                    f"{self.device.type}; try --batch-size {max(1, params.batch_size // 2)} or a smaller --patch"
                ) from error
            raise
        self.global_step += 1
        self.loss = value
        self.loss_sum += self.loss * degraded.shape[0]
        self.seen += degraded.shape[0]
        self.outcome.step_losses.append((self.global_step, self.loss))

    def _check_diverged(self, loss: float) -> None:
        lowest = min((epoch.train_loss for epoch in self.outcome.history), default=math.inf)
        # never below 1.0: a pixel loss over 1 on [0, 1] images means outputs far out of range, whatever the best
        exploded = math.isfinite(lowest) and loss > DIVERGED_FACTOR * max(lowest, 1e-3)
        if math.isfinite(loss) and not exploded:
            return
        how = (
            f" (over {DIVERGED_FACTOR:g}x its lowest epoch mean, {lowest:.3g}): the training diverged"
            if exploded
            else ""
        )
        raise NonFiniteLoss(
            f"the loss became {loss:.4g} at epoch {self.epoch + 1}, step {self.step + 1}{how}; "
            f"try a lower learning rate than {self.params.lr}"
        )

    def _validate(self) -> None:
        val = evaluate(self.model, self.val_images, self.device, self.loss_fn)
        seconds = self.epoch_train_seconds
        self.metrics = EpochMetrics(
            epoch=self.epoch + 1,
            train_loss=self.loss_sum / max(1, self.seen),
            val_loss=val["loss"],
            psnr=val["psnr"],
            ssim=val["ssim"],
            improved_fraction=val["improved_fraction"],
            lr=self.lr,
            seconds=time.perf_counter() - self.epoch_began,
            images_per_second=self.seen / seconds if seconds > 0 else 0.0,
        )
        self.outcome.history.append(self.metrics)


def train(
    params: TrainRestorationParams,
    config: NetworkConfig,
    dataset: TrainingSet,
    val_images: ValidationPairs,
    ctx: JobContext,
    outcome: TrainOutcome,
    objective: Objective | None = None,
    callbacks: Iterable[object] = (),
) -> TrainOutcome:
    """Train on ``dataset`` (indexed by ``(epoch, index)``: pairs' patches, or clean crops degraded afresh) and
    validate on ``val_images`` after every epoch. ``objective`` is a step's loss (default: the pixel loss against
    the clean target; ``backend.restoration.distill`` adds a teacher); validation always scores the clean target.
    ``callbacks`` are added after reporting, checkpoints and the time budget, at the points they name."""
    trainer = Trainer(params, config, dataset, val_images, ctx, outcome, objective)
    # the best epoch is kept before the checkpoint is written, so the checkpoint holds it
    budget = TimeBudget(params.max_minutes, params.cpu_minutes)
    for callback in (Reporting(), BestWeights(), Checkpoints(), budget, *callbacks):
        trainer.attach(callback)
    return trainer.fit()


__all__ = [
    "EpochMetrics",
    "JobCancelled",
    "LearningRateSchedule",
    "NonFiniteLoss",
    "TrainOutcome",
    "Trainer",
    "evaluate",
    "resolve_device",
    "train",
]
