"""Every job kind's parameters — defaults, ranges, choices — described once (``JOB_KINDS``).

The backend checks requests with them and answers ``Jobs.DescribeJobKinds`` from them; the CLI builds its
options from them; the desktop's forms take them from that RPC (so a remote backend's limits hold).
"""

from omni_core.jobkinds.batch import DETECT_BATCH, RESTORE_BATCH
from omni_core.jobkinds.spec import JobKind, ParamSpec
from omni_core.jobkinds.synthetic import SYNTH_DETECTION, SYNTH_RESTORATION
from omni_core.jobkinds.training import TRAIN_DETECTION, TRAIN_RESTORATION

JOB_KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (TRAIN_RESTORATION, TRAIN_DETECTION, SYNTH_RESTORATION, SYNTH_DETECTION, DETECT_BATCH, RESTORE_BATCH)
}

__all__ = [
    "DETECT_BATCH",
    "JOB_KINDS",
    "RESTORE_BATCH",
    "SYNTH_DETECTION",
    "SYNTH_RESTORATION",
    "TRAIN_DETECTION",
    "TRAIN_RESTORATION",
    "JobKind",
    "ParamSpec",
]
