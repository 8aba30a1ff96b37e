"""Box flags in the Annotate view-model: a box imported difficult/truncated/occluded keeps its flags through a
move and a save, and the keys toggle them as one undoable edit."""

from __future__ import annotations

from pathlib import Path

from desktop.models.annotate.api import ManualClock
from desktop.models.annotate.commands import EditKind
from desktop.models.annotate.session import AnnotationSession
from desktop.models.annotate.shortcuts import ACTIONS_BY_NAME
from protos.omni.v1 import datasets_pb2
from tests.desktop.annotate.fakes import FakeDatasets, QueueRunner


def test_flags_survive_a_move_toggle_undo_and_save(tmp_path: Path) -> None:
    fake = FakeDatasets(count=3)
    fake.images[fake.id_at(0)].annotations.boxes.append(
        datasets_pb2.Box(class_id=1, x_center=0.3, y_center=0.3, width=0.2, height=0.2, difficult=True)
    )
    runner, clock = QueueRunner(fake), ManualClock()
    session: AnnotationSession[bytes] = AnnotationSession(
        fake.name, runner, clock, tmp_path / "j.jsonl", decode=lambda d: d.data, size_of=len, editor="alice"
    )
    session.open()
    runner.drain()
    (box,) = session.boxes
    assert (box.difficult, box.truncated, box.occluded) == (True, False, False)
    session.select(0)
    session.replace_box(0, box.with_edges(0.1, 0.1, 0.5, 0.6), EditKind.MOVE)
    session.toggle_flag("occluded")
    session.toggle_flag("difficult")
    assert (session.boxes[0].difficult, session.boxes[0].occluded) == (False, True)
    session.undo()
    assert (session.boxes[0].difficult, session.boxes[0].occluded) == (True, True)
    for _ in range(20):
        runner.drain()
        clock.advance(0.1)
    runner.drain()
    (saved,) = fake.annotations(0).boxes
    assert (saved.difficult, saved.truncated, saved.occluded) == (True, False, True)
    assert (saved.x_center, saved.width) == (0.3, 0.4)
    assert ACTIONS_BY_NAME["toggle_occluded"].keys == ("Q",)  # CVAT's key for "occluded"
