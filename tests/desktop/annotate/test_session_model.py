"""The annotation view-model against an in-memory backend: edits, undo/redo across images, the journal
before the screen, debounced autosave, conflicts kept aside, the offline queue and journal replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.models.annotate.api import ManualClock
from desktop.models.annotate.autosave import SaveState
from desktop.models.annotate.boxes import DONE, REVIEW, TODO, Box
from desktop.models.annotate.commands import EditKind
from desktop.models.annotate.journal import Journal
from desktop.models.annotate.session import AnnotationSession
from protos.omni.v1 import datasets_pb2
from tests.desktop.annotate.fakes import FakeDatasets, QueueRunner

BOX = Box(0, 0.5, 0.5, 0.2, 0.1)


Made = tuple[AnnotationSession[bytes], QueueRunner, ManualClock]


def make(tmp_path: Path, fake: FakeDatasets, journal: str = "j.jsonl") -> Made:
    runner, clock = QueueRunner(fake), ManualClock()
    session: AnnotationSession[bytes] = AnnotationSession(
        fake.name, runner, clock, tmp_path / journal, decode=lambda d: d.data, size_of=len, editor="alice"
    )
    session.open()
    runner.drain()
    return session, runner, clock


def settle(runner: QueueRunner, clock: ManualClock, seconds: float = 1.0) -> None:
    for _ in range(20):
        runner.drain()
        clock.advance(seconds / 20)
    runner.drain()


@pytest.fixture
def fake() -> FakeDatasets:
    return FakeDatasets(count=30)


def test_opening_shows_the_first_image_and_prefetches_the_next(tmp_path: Path, fake: FakeDatasets) -> None:
    session, _runner, _ = make(tmp_path, fake)
    assert session.row == 0 and session.image_id == fake.id_at(0)
    assert session.info is not None and [c.name for c in session.classes][:2] == ["dent", "dirt"]
    assert session.current_image == b"pixels 0"
    assert session.editable and session.boxes == ()
    for index in range(1, 5):
        assert fake.id_at(index) in session.cache
        assert fake.id_at(index) in session.docs
    assert session.images.total == 30


def test_an_edit_is_journaled_before_it_shows_then_saved_once_after_the_debounce(
    tmp_path: Path, fake: FakeDatasets
) -> None:
    session, runner, clock = make(tmp_path, fake)
    seen: list[int] = []
    session.boxes_changed.connect(lambda: seen.append(len(session.journal.pending())))
    session.add_box(BOX)
    assert seen == [1]  # on disk when the view heard of it
    assert session.selected == 0 and session.saver.state is SaveState.PENDING
    session.replace_box(0, Box(0, 0.6, 0.5, 0.2, 0.1), EditKind.MOVE)
    clock.advance(0.1)
    runner.drain()
    assert fake.saves == 0  # still within the debounce
    settle(runner, clock)
    assert fake.saves == 1  # two edits, one save
    saved = fake.annotations(0)
    assert saved.revision == 1 and saved.updated_by == "alice"
    assert Box.from_proto(saved.boxes[0]) == Box(0, 0.6, 0.5, 0.2, 0.1)
    assert session.saver.state is SaveState.SAVED and session.save_text() == "All changes saved"
    assert session.journal.pending() == []


def test_undo_and_redo_span_images_and_are_saved_like_any_edit(tmp_path: Path, fake: FakeDatasets) -> None:
    session, runner, clock = make(tmp_path, fake)
    session.add_box(BOX)
    session.choose_class(2)
    assert session.boxes[0].class_id == 2
    session.next()
    runner.drain()
    session.add_box(Box(1, 0.2, 0.2, 0.1, 0.1))
    session.set_status(DONE)
    settle(runner, clock)
    assert fake.annotations(1).status == DONE
    session.undo()  # status
    session.undo()  # the box on image 1
    settle(runner, clock)
    assert fake.annotations(1).boxes == [] and fake.annotations(1).status == TODO
    session.undo()  # the class change on image 0: we go back there
    runner.drain()
    assert session.row == 0 and session.boxes[0].class_id == 0
    session.redo()
    settle(runner, clock)
    assert fake.annotations(0).boxes[0].class_id == 2
    session.undo()
    session.undo()
    session.undo()
    settle(runner, clock)
    assert fake.annotations(0).boxes == []


def test_class_keys_delete_and_suggestions(tmp_path: Path, fake: FakeDatasets) -> None:
    image_id = fake.id_at(0)
    fake.images[image_id].annotations.boxes.extend(
        [
            datasets_pb2.Box(class_id=1, x_center=0.3, y_center=0.3, width=0.1, height=0.1, confidence=0.4),
            datasets_pb2.Box(class_id=3, x_center=0.6, y_center=0.6, width=0.1, height=0.1, confidence=0.9),
        ]
    )
    session, runner, clock = make(tmp_path, fake)
    assert [b.is_suggestion for b in session.boxes] == [True, True]
    session.accept_suggestion()  # the most confident first
    assert session.selected == 1 and not session.boxes[1].is_suggestion
    assert session.class_for_key(3) == 2 and session.class_for_key(9) is None
    session.choose_class(session.class_for_key(6) or 0)
    assert session.boxes[1].class_id == 5 and session.draw_class == 5
    session.select(0)
    session.delete_selected()
    assert len(session.boxes) == 1 and session.selected is None
    settle(runner, clock)
    saved = fake.annotations(0)
    assert len(saved.boxes) == 1 and not saved.boxes[0].HasField("confidence") and saved.boxes[0].class_id == 5


def test_a_conflict_keeps_my_edit_aside_and_never_overwrites(tmp_path: Path, fake: FakeDatasets) -> None:
    session, runner, clock = make(tmp_path, fake)
    theirs = [datasets_pb2.Box(class_id=4, x_center=0.1, y_center=0.1, width=0.05, height=0.05)]
    fake.save_as_other(0, theirs)
    session.add_box(BOX)
    settle(runner, clock)
    assert fake.annotations(0).boxes == theirs  # nothing overwritten
    conflict = session.conflict
    assert conflict is not None and conflict.theirs is not None and conflict.theirs.revision == 1
    assert conflict.mine.boxes == (BOX,)
    assert session.boxes == (Box.from_proto(theirs[0]),)  # the server's version is shown
    assert session.journal.aside()  # mine survives a restart
    session.apply_mine()
    settle(runner, clock)
    assert session.conflict is None
    assert [Box.from_proto(b) for b in fake.annotations(0).boxes] == [BOX]
    assert fake.annotations(0).revision == 2
    assert not session.journal.aside() and not session.journal.pending()


def test_keep_theirs_drops_my_edit(tmp_path: Path, fake: FakeDatasets) -> None:
    session, runner, clock = make(tmp_path, fake)
    fake.save_as_other(0, [])
    session.add_box(BOX)
    settle(runner, clock)
    assert session.conflict is not None
    session.keep_theirs()
    settle(runner, clock)
    assert session.conflict is None and fake.annotations(0).revision == 1
    assert not session.journal.aside()


def test_offline_edits_queue_then_flush_in_order(tmp_path: Path, fake: FakeDatasets) -> None:
    session, runner, clock = make(tmp_path, fake)
    fake.offline = True
    session.add_box(BOX)
    settle(runner, clock)
    assert session.saver.state is SaveState.OFFLINE
    session.set_status(REVIEW)
    session.next()
    runner.drain()  # the next image was prefetched: still shown while offline
    assert session.row == 1 and session.editable
    session.add_box(Box(2, 0.4, 0.4, 0.2, 0.2))
    assert session.save_text() == "Offline — 3 edits queued"
    fake.offline = False
    session.reconnected()
    settle(runner, clock)
    assert session.saver.state is SaveState.SAVED
    assert fake.annotations(0).status == REVIEW and len(fake.annotations(0).boxes) == 1
    assert fake.annotations(1).boxes[0].class_id == 2


def test_a_save_that_landed_before_the_connection_broke_is_not_applied_twice(
    tmp_path: Path, fake: FakeDatasets
) -> None:
    session, runner, clock = make(tmp_path, fake)
    original = fake.save_annotations

    def lands_then_breaks(*args: object, **kwargs: object) -> datasets_pb2.Annotations:
        original(*args, **kwargs)  # type: ignore[arg-type]
        fake.offline = True
        raise fake_unavailable()

    fake.save_annotations = lands_then_breaks  # type: ignore[method-assign]
    session.add_box(BOX)
    settle(runner, clock)
    assert session.saver.state is SaveState.OFFLINE and fake.annotations(0).revision == 1
    fake.save_annotations = original  # type: ignore[method-assign]
    session.add_box(Box(1, 0.2, 0.2, 0.1, 0.1))  # built on the save that landed
    fake.offline = False
    session.reconnected()
    settle(runner, clock)
    assert session.conflict is None, session.conflict
    assert fake.annotations(0).revision == 2 and len(fake.annotations(0).boxes) == 2


def fake_unavailable() -> Exception:
    from desktop.client import BackendError

    return BackendError("UNAVAILABLE", "connection reset")


def test_journal_replay_after_a_crash_sends_what_the_server_never_got(tmp_path: Path, fake: FakeDatasets) -> None:
    session, _runner, _clock = make(tmp_path, fake)
    session.add_box(BOX)
    session.set_status(DONE)
    # killed here: the debounce never fired (no close(), no flush); the lock dies with the process
    session.journal.close()
    assert fake.saves == 0
    again, runner2, clock2 = make(tmp_path, fake)
    settle(runner2, clock2)
    assert fake.annotations(0).status == DONE and [Box.from_proto(b) for b in fake.annotations(0).boxes] == [BOX]
    assert again.journal.pending() == []
    assert Journal(tmp_path / "other.jsonl").pending() == []


def test_next_todo_skips_done_images_across_pages(tmp_path: Path) -> None:
    fake = FakeDatasets(count=450)
    for index in range(1, 420):
        fake.set_status(index, DONE)
    session, runner, _ = make(tmp_path, fake)
    session.next_todo()
    runner.drain()
    assert session.row == 420
    session.go_to(449)
    runner.drain()
    session.next_todo()
    runner.drain()
    assert session.row == 449


def test_someone_elses_newer_version_arrives_and_my_undo_no_longer_reverts_it(
    tmp_path: Path, fake: FakeDatasets
) -> None:
    session, runner, clock = make(tmp_path, fake)
    session.add_box(BOX)
    settle(runner, clock)
    session.next()
    runner.drain()
    theirs = [datasets_pb2.Box(class_id=5, x_center=0.5, y_center=0.5, width=0.3, height=0.3)]
    fake.save_as_other(0, theirs)
    session.previous()
    runner.drain()  # the refresh brings their version
    assert session.boxes == (Box.from_proto(theirs[0]),)
    session.undo()  # nothing of ours left to undo on this image
    settle(runner, clock)
    assert fake.annotations(0).boxes == theirs and fake.annotations(0).revision == 2


def test_an_unresolved_conflict_survives_a_restart(tmp_path: Path, fake: FakeDatasets) -> None:
    session, runner, clock = make(tmp_path, fake)
    fake.save_as_other(0, [])
    session.add_box(BOX)
    settle(runner, clock)
    assert session.conflict is not None
    session.journal.close()  # the app dies before the user decides
    again, runner2, clock2 = make(tmp_path, fake)
    settle(runner2, clock2)
    conflict = again.conflict
    assert conflict is not None and conflict.mine.boxes == (BOX,)
    assert conflict.theirs is not None and conflict.theirs.revision == 1 and again.boxes == ()
    again.apply_mine()
    settle(runner2, clock2)
    assert [Box.from_proto(b) for b in fake.annotations(0).boxes] == [BOX] and not again.journal.aside()
