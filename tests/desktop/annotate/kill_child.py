"""Run by the kill test as a child process: open a dataset in an ``AnnotationSession`` on a real backend,
make one edit, say "ACK" once the view-model has acknowledged it, then wait to be SIGKILLed.

The autosave's debounce never fires here (a manual clock), so the edit exists only in the journal when
the process dies: what reaches the server afterwards can only come from the journal's replay.
Usage: python -m tests.desktop.annotate.kill_child ADDRESS DATASET JOURNAL (token in $OMNI_TOKEN).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from desktop.client import BackendTarget, Connection
from desktop.models.annotate.api import InlineRunner, ManualClock
from desktop.models.annotate.boxes import Box
from desktop.models.annotate.session import AnnotationSession
from protos.omni.v1 import datasets_pb2

EDIT = Box(2, 0.25, 0.5, 0.125, 0.25)


def main(address: str, dataset: str, journal: str) -> None:
    connection = Connection(BackendTarget(address, token=os.environ.get("OMNI_TOKEN", "")))
    connection.wait_ready(10)
    model: AnnotationSession[datasets_pb2.ImageData] = AnnotationSession(
        dataset,
        InlineRunner(connection),
        ManualClock(),
        Path(journal),
        decode=lambda d: d,
        size_of=lambda d: len(d.data),
    )
    model.open()
    assert model.editable, model.error
    model.add_box(EDIT)
    assert model.boxes == (EDIT,)
    print("ACK", model.image_id, flush=True)
    time.sleep(120)


if __name__ == "__main__":
    main(*sys.argv[1:4])
