"""Where a training run's data comes from: a dataset of this backend, exported to YOLO with a deterministic
split (the datasets' own export), or a ``data.yaml``; either way checked and rewritten with absolute paths
into the job's scratch folder, which is what the trainer reads."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from backend.detection.data_check import DataCheck, check_data_yaml
from backend.detection.params import TrainDetectionParams
from backend.jobs.context import JobContext, confinement_of
from backend.storage.base import ArtifactStore
from backend.workspace import Workspace
from omni_core.errors import FailedPrecondition
from protos.omni.v1 import jobs_pb2, training_pb2

EXPORT_FOLDER = "dataset"
RESOLVED_FOLDER = "data"


@dataclass
class PreparedData:
    yaml: Path  # the resolved data.yaml the trainer reads
    check: DataCheck
    source: str  # "dataset NAME" or the data.yaml given


class _ExportContext:
    """The job's context for the dataset export: progress and logs pass, its outputs and artifacts do not
    (the export folder is the training job's scratch, not a result)."""

    def __init__(self, ctx: JobContext) -> None:
        self._ctx = ctx
        self.job_id, self.resumed_from = ctx.job_id, ctx.resumed_from
        self.store: ArtifactStore = ctx.store
        self.workspace_root = ctx.workspace_root
        self.confinement = confinement_of(ctx)
        self.scratch_dir = ctx.scratch_dir

    def progress(self, done: int, total: int = 0, *, unit: str = "", message: str = "") -> None:
        self._ctx.progress(done, total, unit=unit, message=message or "exporting the dataset")

    def metric(self, name: str, value: float, *, step: int = 0, epoch: int = 0) -> None:
        self._ctx.metric(name, value, step=step, epoch=epoch)

    def log(self, message: str, level: str = "info") -> None:
        self._ctx.log(message, level)

    def artifact(self, key: str, kind: str, *, size_bytes: int = 0, sha256: str = "", description: str = "") -> None:
        return

    def item(self, outcome: jobs_pb2.ItemOutcome) -> None:
        self._ctx.item(outcome)

    def evaluation(self, result: training_pb2.EvaluationResult) -> None:
        self._ctx.evaluation(result)

    def set_output(self, name: str, value: str) -> None:
        return

    @property
    def cancelled(self) -> bool:
        return self._ctx.cancelled

    @property
    def stop_reason(self) -> str:
        return self._ctx.stop_reason

    def check_cancelled(self) -> None:
        self._ctx.check_cancelled()


def _export_dataset(params: TrainDetectionParams, ctx: JobContext) -> Path:
    from backend.datasets.export import export_dataset
    from backend.datasets.params import ExportDatasetParams
    from backend.datasets.service import DatasetService

    root = getattr(ctx.store, "root", None)
    if root is None:
        raise FailedPrecondition("training from a dataset needs the workspace's local store", field="dataset")
    out = ctx.scratch_dir / EXPORT_FOLDER
    shutil.rmtree(out, ignore_errors=True)
    service = DatasetService.for_workspace(Workspace(Path(root)))
    export = ExportDatasetParams(
        dataset=params.dataset,
        out=str(out),
        format="yolo",
        split=(1 - params.val_fraction, params.val_fraction),
        seed=params.seed,
        statuses=params.statuses,
    )
    export_dataset(service, export, _ExportContext(ctx))
    return out / "data.yaml"


def prepare_data(params: TrainDetectionParams, ctx: JobContext) -> PreparedData:
    if params.dataset:
        ctx.progress(0, 0, message=f"exporting dataset {params.dataset}")
        yaml_path, field, source = _export_dataset(params, ctx), "dataset", f"dataset {params.dataset}"
    else:
        yaml_path, field, source = Path(params.data), "data", params.data
    check = check_data_yaml(yaml_path, field, confinement_of(ctx))
    resolved = check.write_resolved(ctx.scratch_dir / RESOLVED_FOLDER)
    return PreparedData(resolved, check, source)


def existing_data(yaml_path: Path, source: str, ctx: JobContext) -> PreparedData:
    """The data an earlier run of a resumed job trained on (its resolved data.yaml), checked again."""
    return PreparedData(yaml_path, check_data_yaml(yaml_path, "data", confinement_of(ctx)), source)


def fingerprint(check: DataCheck) -> str:
    """Image names, sizes and modification times, and label contents: changes when the data changes."""
    digest = hashlib.sha256()
    from omni_core.formats.yolo import label_path

    for name, split in sorted(check.splits.items()):
        digest.update(name.encode())
        for image in split.images:
            stat = image.stat()
            digest.update(f"{image.name}:{stat.st_size}:{int(stat.st_mtime)};".encode())
            labels = label_path(image)
            if labels.is_file():
                digest.update(labels.read_bytes())
    return digest.hexdigest()[:16]
