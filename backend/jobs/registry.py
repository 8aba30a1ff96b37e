"""The job kinds this backend runs.

Adding a kind: a params dataclass, a ``prepare`` function, a ``run`` function, one ``JobKind`` here
and one field in ``JobSpec`` of ``protos/omni/v1/jobs.proto`` (plus its conversion in ``backend.rpc.convert``).
"""

from __future__ import annotations

from backend.batch.jobs import RESTORE_BATCH
from backend.cloud.sagemaker.endpoints import DEPLOY_ENDPOINT
from backend.cloud.sagemaker.jobs import TRAIN_SAGEMAKER
from backend.datasets.jobs import EXPORT_DATASET, IMPORT_DATASET
from backend.detection.jobs import DETECT_BATCH, PRELABEL, TRAIN_DETECTION
from backend.jobs.kind import JobKind
from backend.restoration.jobs import EVALUATE, TRAIN_RESTORATION
from backend.sync.jobs import SYNC_PULL, SYNC_PUSH
from backend.synthetic.jobs import SYNTH_DETECTION, SYNTH_RESTORATION
from omni_core.errors import NotFound, shown

KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (SYNTH_RESTORATION, SYNTH_DETECTION, TRAIN_RESTORATION, EVALUATE, IMPORT_DATASET, EXPORT_DATASET)
}
KINDS[RESTORE_BATCH.name] = RESTORE_BATCH
KINDS.update({kind.name: kind for kind in (TRAIN_DETECTION, DETECT_BATCH, PRELABEL, SYNC_PUSH, SYNC_PULL)})
KINDS.update({kind.name: kind for kind in (TRAIN_SAGEMAKER, DEPLOY_ENDPOINT)})


def get_kind(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(f"no job kind {shown(name)}; known kinds: {', '.join(sorted(KINDS))}") from None
