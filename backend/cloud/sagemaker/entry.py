"""The training entry point SageMaker runs (``omni_sagemaker_entry.py`` in the source archive calls ``main``).

It is this project's own trainer under the container's contract: hyperparameters from
``/opt/ml/input/config/hyperparameters.json``, data from the ``training`` channel, the result in
``SM_MODEL_DIR`` (SageMaker archives it as model.tar.gz), checkpoints in the folder SageMaker syncs. On SIGTERM
(a Spot interruption, StopTrainingJob) the trainer saves where it is and the process exits 143; started again on
the same folders, it resumes from that checkpoint. A failure is written to ``/opt/ml/output/failure``, which
SageMaker shows as the job's FailureReason.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from backend.cloud.sagemaker.container import ContainerPaths, container_paths
from backend.cloud.sagemaker.context import ContainerContext
from backend.cloud.sagemaker.params import (
    DETECTION,
    RESTORATION,
    START_CHANNEL,
    START_PREFIX,
    START_WEIGHTS,
    WEIGHTS_CHANNELS,
    params_of,
)
from backend.processes.outcome import outcome
from omni_core.errors import InvalidArgument

EXIT_INTERRUPTED = 143  # 128 + SIGTERM, what a process killed by SIGTERM reports
#: SageMaker keeps the first 1,024 characters of the failure file as FailureReason
FAILURE_CHARS = 1024


def _training_values(hyperparameters: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = str(hyperparameters.get("omni_kind", ""))
    values = {k: v for k, v in hyperparameters.items() if k != "omni_kind" and not k.startswith("sagemaker_")}
    return kind, values


def train_restoration(values: dict[str, Any], paths: ContainerPaths, ctx: ContainerContext) -> None:
    from backend.restoration.archs import preset_for
    from backend.restoration.checkpoints import checkpoint_key
    from backend.restoration.params import TrainRestorationParams, validate_train_params
    from backend.restoration.run import train_from_clean, train_from_data
    from backend.restoration.saved_weights import read_weights, weights_path
    from backend.restoration.trained import save_trained
    from backend.restoration.trainer import TrainOutcome

    channel = str(paths.channel())  # the images: clean ones (degraded in the run) or clean/degraded pairs
    images = {"data": "", "clean": channel} if values.get("clean") else {"data": channel}
    params = validate_train_params(params_of(TrainRestorationParams, {**values, **images}, "hyperparameters"))
    if ctx.resume_if_checkpointed(checkpoint_key(ctx.job_id)):
        ctx.log("a checkpoint of this job is in the synced folder: resuming from it")
    for field, weights_channel in WEIGHTS_CHANNELS.items():  # the start's and the teacher's weights came in channels
        if version := getattr(params, field):
            shutil.copyfile(paths.channel(weights_channel) / START_WEIGHTS, weights_path(ctx.scratch_dir, version))
    if params.start_from:  # fine-tuning: the network as the start's weights file saved it
        start = weights_path(ctx.scratch_dir, params.start_from)
        config = read_weights(start, params.start_from, "start_from").config
    else:
        config = preset_for(params.layer, params.preset)
    outcome = TrainOutcome(config=config)
    report: dict[str, Any] = {}
    fingerprint = (train_from_clean if params.clean else train_from_data)(params, ctx, outcome, report)
    save_trained(paths.model_dir, outcome, fingerprint, report)
    ctx.log(f"model written to {paths.model_dir}")


def train_detection(values: dict[str, Any], paths: ContainerPaths, ctx: ContainerContext) -> None:
    """Ultralytics through this project's trainer (the same callbacks, checkpoints and resume as a local run);
    a restart after SIGTERM resumes from the last completed epoch's checkpoint in the synced folder."""
    from backend.detection import ultralytics_env
    from backend.detection.callbacks import TrainProgress, checkpoint_key
    from backend.detection.data_source import RESOLVED_FOLDER, existing_data
    from backend.detection.params import TrainDetectionParams, validate_train_params
    from backend.detection.trained import save_trained

    ultralytics_env.prepare(ctx.scratch_dir)
    from backend.detection.trainer import fresh_arguments, resume_arguments, run_result, run_trainer

    model = str(values.pop("model", "") or "")
    if model.startswith(START_PREFIX):
        model = str(paths.channel(START_CHANNEL) / model.removeprefix(START_PREFIX))
    data_yaml = paths.channel() / str(values.pop("data", "data.yaml"))
    params = validate_train_params(
        params_of(TrainDetectionParams, {**values, "data": str(data_yaml), "model": model}, "hyperparameters")
    )
    checked = existing_data(data_yaml, "the training channel", ctx)
    # what the trainer reads: the data.yaml with its folders resolved (Ultralytics would take `path: .` from the cwd)
    prepared = dataclasses.replace(checked, yaml=checked.check.write_resolved(ctx.scratch_dir / RESOLVED_FOLDER))
    save_dir = ctx.scratch_dir / "run"
    progress = TrainProgress()
    if ctx.resume_if_checkpointed(checkpoint_key(ctx.job_id)):
        args, _ = resume_arguments(ctx, params, save_dir, lambda: prepared.yaml, progress)
    else:
        args = fresh_arguments(params, params.model, prepared.yaml, save_dir)
    run = run_trainer(args, ctx, progress)
    save_trained(paths.model_dir, run_result(run, prepared.check.names), progress)
    ctx.log(f"model written to {paths.model_dir}")


def _write_failure(paths: ContainerPaths, message: str) -> None:
    try:
        paths.failure_file.parent.mkdir(parents=True, exist_ok=True)
        paths.failure_file.write_text(message[:FAILURE_CHARS])
    except OSError:
        pass  # the message is in the log as well


def main(argv: list[str] | None = None) -> int:
    """Run the training the hyperparameters name; the arguments SageMaker adds (``--epochs 5`` ...) repeat
    the hyperparameters and are ignored in favour of the file."""
    paths = container_paths()
    ctx = ContainerContext(paths, scratch_dir=Path(tempfile.mkdtemp(prefix="omni-scratch-")))
    ctx.handle_sigterm()
    with outcome(swallow=Exception) as ended:
        kind, values = _training_values(paths.hyperparameters())
        if kind == RESTORATION:
            train_restoration(values, paths, ctx)
        elif kind == DETECTION:
            train_detection(values, paths, ctx)
        else:
            raise InvalidArgument("omni_kind", f"{kind!r} is not a training this entry point runs")
    if ended.status == "CANCELLED":
        ctx.log("stopped on SIGTERM; the checkpoint is in the synced folder and a restart resumes from it")
        return EXIT_INTERRUPTED
    if ended.failed:  # a domain error's message, or anything else named by its type: the job's FailureReason
        ctx.log(ended.error, level="error")
        _write_failure(paths, ended.error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
