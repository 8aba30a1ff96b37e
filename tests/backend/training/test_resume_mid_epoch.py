"""An interruption inside an epoch (a Spot reclaim, the backend stopping) keeps the steps already taken, and the
resumed run ends with exactly the weights of a run that was never interrupted."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from backend.cloud.sagemaker.container import ContainerPaths
from backend.cloud.sagemaker.context import ContainerContext
from backend.restoration.archs import preset_for
from backend.restoration.checkpoints import checkpoint_key
from backend.restoration.params import TrainRestorationParams, validate_train_params
from backend.restoration.run import train_from_data
from backend.restoration.trainer import TrainOutcome
from omni_core.errors import JobCancelled


class StopAfter(ContainerContext):
    """Asks to stop after ``steps`` training steps, as a SIGTERM arriving then would."""

    def __init__(self, paths: ContainerPaths, scratch: Path, steps: int) -> None:
        super().__init__(paths, scratch_dir=scratch, out=io.StringIO())
        self.steps_left = steps

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        if name == "train/loss_step":
            self.steps_left -= 1
            if self.steps_left == 0:
                self._stop.set()


def pairs(root: Path, count: int) -> Path:
    rng = np.random.default_rng(5)
    for index in range(count):
        clean = rng.integers(0, 255, (20, 20, 3), dtype=np.uint8)
        noisy = np.clip(clean.astype(int) + rng.integers(-30, 30, clean.shape), 0, 255).astype(np.uint8)
        for side, pixels in (("clean", clean), ("degraded", noisy)):
            (root / side).mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels).save(root / side / f"p{index:02d}.png")
    return root


def paths_in(root: Path) -> ContainerPaths:
    return ContainerPaths(
        root=root,
        model_dir=root / "model",
        output_data_dir=root / "out",
        checkpoint_dir=root / "checkpoints",
        channels={},
        job_name="job-under-test",
    )


def train_with(ctx: ContainerContext, params: TrainRestorationParams) -> TrainOutcome:
    outcome = TrainOutcome(config=preset_for(params.layer, params.preset))
    train_from_data(params, ctx, outcome, {})
    return outcome


@pytest.mark.parametrize("stop_after", [5, 16])  # inside epoch 1; inside epoch 2 (11 steps per epoch)
def test_interrupted_inside_an_epoch_resumes_to_the_same_weights(tmp_path: Path, stop_after: int) -> None:
    data = pairs(tmp_path / "pairs", 12)
    params = validate_train_params(
        TrainRestorationParams(
            data=str(data),
            layer=1,
            preset="tiny",
            epochs=2,
            batch_size=1,
            patch=16,
            val_split=0.1,
            device="cpu",
            num_workers=-1,
            seed=3,
        )
    )
    plain = ContainerContext(paths_in(tmp_path / "a"), scratch_dir=tmp_path / "sa", out=io.StringIO())
    straight = train_with(plain, params)

    interrupted_paths = paths_in(tmp_path / "b")
    with pytest.raises(JobCancelled):
        train_with(StopAfter(interrupted_paths, tmp_path / "sb", stop_after), params)
    state = torch.load(
        interrupted_paths.checkpoint_dir / checkpoint_key("job-under-test"), map_location="cpu", weights_only=False
    )
    assert state["partial_epoch"]["steps"] == stop_after - 11 * state["epoch"]

    again = ContainerContext(interrupted_paths, scratch_dir=tmp_path / "sc", out=io.StringIO())
    assert again.resume_if_checkpointed(checkpoint_key("job-under-test"))
    resumed = train_with(again, params)

    assert straight.model is not None and resumed.model is not None
    for name, tensor in straight.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name
    assert [round(h.train_loss, 6) for h in resumed.history] == [round(h.train_loss, 6) for h in straight.history]
