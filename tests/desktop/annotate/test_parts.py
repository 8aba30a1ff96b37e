"""The view-model's parts on their own: journal, undo stack, image cache, geometry, shortcuts, paging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.models.annotate.boxes import DONE, Box, ImageState
from desktop.models.annotate.commands import Command, EditKind, UndoStack
from desktop.models.annotate.geometry import Grip, dragged, grip_at
from desktop.models.annotate.image_cache import ImageCache
from desktop.models.annotate.image_list import ImageList
from desktop.models.annotate.journal import Journal, JournalEdit, JournalLocked, SendRecord, journal_path
from desktop.models.annotate.shortcuts import ShortcutMap
from tests.desktop.annotate.fakes import FakeDatasets, QueueRunner

STATE = ImageState((Box(1, 0.5, 0.5, 0.25, 0.5),), DONE)


def edit(edit_id: str, image: str = "img", base: int = 0, state: ImageState = STATE) -> JournalEdit:
    return JournalEdit(edit_id, image, base, state, "draw")


# -- journal ------------------------------------------------------------------------------------------


def test_journal_survives_reopening_and_ignores_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.append_edit(edit("e1"))
    journal.append_edit(edit("e2", "other"))
    journal.record_ack(["e2"], "other", 1)
    journal.close()
    with path.open("ab") as handle:
        handle.write(b'{"t":"edit","id":"e3","ima')  # killed mid-write
    again = Journal(path)
    assert [e.edit_id for e in again.pending()] == ["e1"]
    assert again.pending()[0].state == STATE
    again.append_edit(edit("e4"))
    again.close()
    assert [e.edit_id for e in Journal(path).pending()] == ["e1", "e4"]


def test_journal_is_emptied_once_everything_is_acknowledged_and_compacts(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.append_edit(edit("e1"))
    journal.record_send(SendRecord("e1", "img", 0, ("e1",)))
    assert journal.unanswered_send("img") is not None
    journal.record_ack(["e1"], "img", 1)
    assert path.read_bytes() == b"" and journal.unanswered_send("img") is None
    for index in range(5):
        journal.append_edit(edit(f"x{index}"))
    journal.record_ack(["x0", "x1"], "img", 2)
    journal.record_aside(["x2"], "img", "conflict")
    journal.compact()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["id"] for r in lines if r["t"] == "edit"] == ["x2", "x3", "x4"]
    assert [e.edit_id for e in journal.pending()] == ["x3", "x4"]
    assert list(journal.aside()) == ["img"]


def test_one_window_per_journal(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    with pytest.raises(JournalLocked):
        Journal(tmp_path / "j.jsonl")
    journal.close()
    Journal(tmp_path / "j.jsonl").close()


def test_journal_path_is_per_backend_and_dataset() -> None:
    first, second = journal_path("host:/ws a", "parts"), journal_path("host:/ws b", "parts")
    assert first != second and first.name == "parts.jsonl" and " " not in str(first.parent.name)


# -- undo stack ---------------------------------------------------------------------------------------


def test_undo_stack_redo_is_cleared_by_a_new_command_and_forgets_an_image() -> None:
    stack = UndoStack(limit=3)
    for index in range(5):
        stack.push(Command(f"i{index % 2}", EditKind.DRAW, ImageState(), STATE))
    assert len(stack) == 3
    undone = stack.take_undo()
    assert undone is not None and stack.can_redo
    stack.push(Command("i9", EditKind.MOVE, ImageState(), STATE))
    assert not stack.can_redo
    stack.forget_image("i0")
    assert all(c.image_id != "i0" for c in stack._done)


# -- image cache --------------------------------------------------------------------------------------


def test_cache_is_bounded_keeps_what_prefetch_protects_and_dedupes() -> None:
    fake = FakeDatasets(count=10)
    runner = QueueRunner(fake)
    cache: ImageCache[bytes] = ImageCache(
        runner, fake.name, decode=lambda d: d.data, size_of=lambda b: 100, capacity_bytes=350
    )
    ids = [fake.id_at(i) for i in range(10)]
    cache.request(ids[0])
    cache.request(ids[0])
    assert len(runner.queue) == 1
    runner.drain()
    cache.prefetch(ids[1:4], keep=[ids[0]])
    runner.drain()
    assert all(i in cache for i in ids[:4]) and cache.bytes_used == 400  # all protected: over, for now
    cache.prefetch(ids[4:6], keep=[ids[5]])
    runner.drain()
    assert ids[4] in cache and ids[5] in cache
    assert cache.bytes_used <= 350
    assert cache.get(ids[5]) == b"pixels 5" and cache.hits == 1
    assert cache.get(ids[0]) is None and cache.misses == 1


# -- geometry -----------------------------------------------------------------------------------------


def test_grips_and_drags_stay_inside_the_image() -> None:
    rect = (100.0, 100.0, 200.0, 150.0)
    assert grip_at(rect, 100, 100, 5) is Grip.NW
    assert grip_at(rect, 150, 151, 5) is Grip.S
    assert grip_at(rect, 150, 125, 5) is Grip.BODY
    assert grip_at(rect, 300, 300, 5) is Grip.NONE
    assert dragged(rect, Grip.BODY, -500, 10, 640, 480) == (0.0, 110.0, 100.0, 160.0)
    assert dragged(rect, Grip.SE, 1000, 1000, 640, 480) == (100.0, 100.0, 640.0, 480.0)
    assert dragged(rect, Grip.E, -150, 0, 640, 480) == (50.0, 100.0, 100.0, 150.0)  # flipped, not inverted


def test_box_conversions_clip_and_round_trip() -> None:
    box = Box.from_pixels(2, (-10, 20, 100, 40), 200, 100)
    assert box.edges == pytest.approx((0.0, 0.2, 0.45, 0.6))
    assert Box.from_proto(box.to_proto()) == box
    assert Box.from_json(box.to_json()) == box
    suggestion = Box(1, 0.5, 0.5, 0.1, 0.1, 0.75)
    assert Box.from_proto(suggestion.to_proto()).confidence == pytest.approx(0.75)
    assert suggestion.accepted().confidence is None


# -- shortcuts ----------------------------------------------------------------------------------------


def test_shortcuts_remap_persist_and_report_conflicts(tmp_path: Path) -> None:
    shortcuts = ShortcutMap.load(tmp_path / "s.json")
    assert shortcuts.keys("next") == ("D", "Right") and shortcuts.keys("redo")[0] == "Ctrl+Shift+Z"
    shortcuts.set_keys("next", ("L",))
    shortcuts.set_keys("previous", ("L", "Left"))
    assert shortcuts.conflicts() == {"l": ["next", "previous"]}
    shortcuts.save()
    again = ShortcutMap.load(tmp_path / "s.json")
    assert again.keys("next") == ("L",) and again.keys("undo") == ("Ctrl+Z",)
    again.set_keys("next", ("D", "Right"))  # back to the default: not stored
    again.save()
    assert "next" not in json.loads((tmp_path / "s.json").read_text())["shortcuts"]


# -- paging -------------------------------------------------------------------------------------------


def test_image_list_loads_pages_only_when_a_row_needs_them() -> None:
    fake = FakeDatasets(count=2500)
    runner = QueueRunner(fake)
    images = ImageList(runner, fake.name)
    images.start()
    runner.drain()
    assert images.total == 2500 and images.loaded == 200
    found: list[bool] = []
    images.ensure(1500, found.append)
    runner.drain()
    assert found == [True] and images.loaded == 2200
    images.ensure(5000, found.append)
    runner.drain()
    assert found == [True, False] and images.complete and images.loaded == 2500
    images.start(status=DONE)
    runner.drain()
    assert images.total == 0 and images.complete


def test_a_bounded_queue_keeps_the_most_recent_wishes() -> None:
    fake = FakeDatasets(count=20)
    runner = QueueRunner(fake)
    thumbs: ImageCache[bytes] = ImageCache(
        runner, fake.name, decode=lambda d: d.data, size_of=len, max_inflight=1, max_queued=3
    )
    for index in range(10):  # a fast scroll: each row asks as it is painted
        thumbs.request(fake.id_at(index))
    runner.drain()
    assert {fake.id_at(i) for i in (0, 9, 8, 7)} == {i for i in map(fake.id_at, range(10)) if i in thumbs}
