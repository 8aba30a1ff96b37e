"""The SageMaker training container's contract, read once: where the data, the model, the checkpoints and
the hyperparameters are.

SageMaker's layout (https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo-running-container.html):
``/opt/ml/input/config/hyperparameters.json`` (every value a string), ``/opt/ml/input/data/CHANNEL`` (also
``SM_CHANNEL_CHANNEL``), ``/opt/ml/model`` (``SM_MODEL_DIR``: archived to model.tar.gz at the end),
``/opt/ml/output/data`` (``SM_OUTPUT_DATA_DIR``), ``/opt/ml/output/failure`` (the FailureReason), and the
checkpoint folder of CheckpointConfig (``/opt/ml/checkpoints``), which SageMaker syncs to S3 while the job runs
and restores before a Spot restart. ``OMNI_SM_ROOT`` moves the whole tree (the tests run the entry point in a
temporary folder); each ``SM_*`` variable still wins for its own path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omni_core.errors import InvalidArgument

DEFAULT_ROOT = Path("/opt/ml")
ROOT_VARIABLE = "OMNI_SM_ROOT"
CHECKPOINT_VARIABLE = "OMNI_SM_CHECKPOINT_DIR"
TRAINING_CHANNEL = "training"


def decode_hyperparameter(value: Any) -> Any:
    """SageMaker passes every hyperparameter as a string; ours are JSON-encoded (see request.py). A value typed
    by hand in the console (``yolo11n.yaml``) is not JSON and stays the string it is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class ContainerPaths:
    root: Path
    model_dir: Path
    output_data_dir: Path
    checkpoint_dir: Path
    channels: Mapping[str, Path]
    job_name: str

    @property
    def hyperparameters_file(self) -> Path:
        return self.root / "input" / "config" / "hyperparameters.json"

    @property
    def failure_file(self) -> Path:
        return self.root / "output" / "failure"

    def channel(self, name: str = TRAINING_CHANNEL) -> Path:
        try:
            return self.channels[name]
        except KeyError:
            raise InvalidArgument(
                "channels", f"the job has no {name!r} input channel (it has: {', '.join(self.channels) or 'none'})"
            ) from None

    def hyperparameters(self) -> dict[str, Any]:
        """The decoded hyperparameters (an absent file is no hyperparameters, as SageMaker does)."""
        if not self.hyperparameters_file.is_file():
            return {}
        raw = json.loads(self.hyperparameters_file.read_text())
        if not isinstance(raw, dict):
            raise InvalidArgument("hyperparameters", f"{self.hyperparameters_file} does not hold a JSON object")
        return {str(key): decode_hyperparameter(value) for key, value in raw.items()}


def container_paths(environ: Mapping[str, str] | None = None) -> ContainerPaths:
    env = os.environ if environ is None else environ
    root = Path(env.get(ROOT_VARIABLE) or DEFAULT_ROOT)
    data_root = root / "input" / "data"
    channels = {entry.name: entry for entry in sorted(data_root.iterdir())} if data_root.is_dir() else {}
    for key, value in env.items():
        if key.startswith("SM_CHANNEL_") and value:
            channels[key.removeprefix("SM_CHANNEL_").lower()] = Path(value)
    training_env = _json_object(env.get("SM_TRAINING_ENV", ""))
    return ContainerPaths(
        root=root,
        model_dir=Path(env.get("SM_MODEL_DIR") or root / "model"),
        output_data_dir=Path(env.get("SM_OUTPUT_DATA_DIR") or root / "output" / "data"),
        checkpoint_dir=Path(env.get(CHECKPOINT_VARIABLE) or root / "checkpoints"),
        channels=channels,
        job_name=str(training_env.get("job_name") or env.get("TRAINING_JOB_NAME") or "local"),
    )


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
