"""The Annotate view against a real backend (``omni serve`` on loopback), driven with mouse and keys on
the canvas: draw, move, resize, delete, class keys, undo/redo, navigation, autosave and a conflict."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.client import Connection
from desktop.client.embedded import EmbeddedBackend
from desktop.models.annotate.boxes import DONE, REVIEW, TODO, Box
from desktop.models.annotate.shortcuts import ShortcutMap
from desktop.qt.main_window import MainWindow
from desktop.qt.views.annotate import AnnotateView
from protos.omni.v1 import datasets_pb2
from tests.desktop.annotate.helpers import (
    HEIGHT,
    UI_TIMEOUT_MS,
    WIDTH,
    annotate,
    close_to,
    close_window,
    drag,
    key,
    make_dataset,
    open_window,
    pixels,
    point,
    write_images,
)

_names = itertools.count()


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_images(tmp_path_factory.mktemp("images"), 6)


@pytest.fixture(scope="module")
def other(backend: EmbeddedBackend) -> Iterator[Connection]:
    """A second client: the test's own eyes on the server, and "another annotator"."""
    connection = Connection(backend.target)
    connection.wait_ready(10)
    yield connection
    connection.close()


@pytest.fixture
def dataset(other: Connection, images: list[Path]) -> str:
    name = f"parts-{next(_names)}"
    make_dataset(other, name, images)
    return name


@pytest.fixture
def window(qtbot: QtBot, backend: EmbeddedBackend) -> Iterator[MainWindow]:
    main = open_window(qtbot, backend.target)
    yield main
    close_window(main)


def server_boxes(other: Connection, dataset: str, image_id: str) -> list[Box]:
    return [Box.from_proto(b) for b in other.get_annotations(dataset, image_id).boxes]


def test_draw_move_resize_class_delete_undo_redo_and_autosave(
    qtbot: QtBot, window: MainWindow, dataset: str, other: Connection
) -> None:
    view = annotate(qtbot, window, dataset)
    model = view.model
    assert model is not None and model.image_id is not None
    image_id = model.image_id

    drag(view, (100, 100), (300, 250))
    assert len(model.boxes) == 1 and model.selected == 0
    assert close_to(pixels(model.boxes[0]), (100, 100, 300, 250))
    assert model.boxes[0].class_id == model.classes[0].id  # the current class

    key(view, Qt.Key.Key_3)
    assert model.boxes[0].class_id == model.classes[2].id and model.draw_class == model.classes[2].id

    drag(view, (200, 175), (250, 205))  # the selected box's body: a move
    assert close_to(pixels(model.boxes[0]), (150, 130, 350, 280))

    drag(view, (350, 280), (400, 300))  # its bottom-right corner: a resize
    assert close_to(pixels(model.boxes[0]), (150, 130, 400, 300))

    drag(view, (500, 300), (700, 600))  # clipped to the image
    assert close_to(pixels(model.boxes[1]), (500, 300, WIDTH, HEIGHT)) and model.selected == 1
    drag(view, (150, 200), (120, 200))  # the left edge of the other (unselected) box: a resize
    assert close_to(pixels(model.boxes[0]), (120, 130, 400, 300)) and model.selected == 0
    drag(view, (260, 210), (270, 215))  # inside it: now selected, so a move
    assert close_to(pixels(model.boxes[0]), (130, 135, 410, 305))
    model.select(1)
    key(view, Qt.Key.Key_Delete)
    assert len(model.boxes) == 1

    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(model.boxes) == 2
    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert close_to(pixels(model.boxes[0]), (150, 130, 400, 300))  # the move and the resize undone
    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    model.select(1)
    key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(model.boxes) == 1
    expected = model.boxes

    qtbot.waitUntil(lambda: tuple(server_boxes(other, dataset, image_id)) == expected, timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "All changes saved" in view.save_label.text(), timeout=UI_TIMEOUT_MS)
    assert other.get_annotations(dataset, image_id).updated_by == model.editor


def test_navigation_status_keys_and_next_todo(
    qtbot: QtBot, window: MainWindow, dataset: str, other: Connection
) -> None:
    ids = [info.image_id for info in other.list_images(dataset).images]
    for index in (1, 2):  # done by someone else already
        other.save_annotations(dataset, ids[index], base_revision=0, boxes=[], status=DONE, editor="bob")
    view = annotate(qtbot, window, dataset)
    model = view.model
    assert model is not None

    key(view, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: model.row == 1, timeout=UI_TIMEOUT_MS)
    key(view, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: model.row == 2, timeout=UI_TIMEOUT_MS)
    key(view, Qt.Key.Key_A)
    key(view, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: model.row == 0, timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: model.editable, timeout=UI_TIMEOUT_MS)
    key(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)  # done
    assert model.state is not None and model.state.status == DONE
    assert view.panel.status_buttons[DONE].isChecked()
    key(view, Qt.Key.Key_N)  # 1 and 2 are done: 3 is the next to do
    qtbot.waitUntil(lambda: model.row == 3, timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: model.editable, timeout=UI_TIMEOUT_MS)
    key(view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: other.get_annotations(dataset, ids[3]).status == REVIEW, timeout=UI_TIMEOUT_MS)
    assert other.get_annotations(dataset, ids[0]).status == DONE
    assert view.filmstrip.currentIndex().row() == 3

    view.status_filter.setCurrentIndex(1)  # "To do" only
    qtbot.waitUntil(lambda: model.images.complete and model.images.total == 2, timeout=UI_TIMEOUT_MS)
    assert [model.status_of(r) for r in range(2)] == [TODO, TODO]


def test_a_conflict_shows_a_banner_and_overwrites_nothing(
    qtbot: QtBot, window: MainWindow, dataset: str, other: Connection
) -> None:
    view = annotate(qtbot, window, dataset)
    model = view.model
    assert model is not None and model.image_id is not None
    image_id = model.image_id
    drag(view, (50, 50), (150, 150))
    qtbot.waitUntil(lambda: other.get_annotations(dataset, image_id).revision == 1, timeout=UI_TIMEOUT_MS)
    qtbot.waitUntil(lambda: model.saver.queued == 0, timeout=UI_TIMEOUT_MS)
    theirs = datasets_pb2.Box(class_id=4, x_center=0.8, y_center=0.8, width=0.1, height=0.1)
    other.save_annotations(dataset, image_id, base_revision=1, boxes=[theirs], editor="bob")

    drag(view, (300, 300), (400, 400))  # built on revision 1: refused
    qtbot.waitUntil(lambda: view.banner.isVisible(), timeout=UI_TIMEOUT_MS)
    assert "bob saved revision 2" in view.banner.text.text()
    assert server_boxes(other, dataset, image_id) == [Box.from_proto(theirs)]  # nothing overwritten
    assert model.boxes == (Box.from_proto(theirs),)  # their version is shown...
    conflict = model.conflict
    assert conflict is not None and len(conflict.mine.boxes) == 2  # ...and mine is kept aside

    QTest.mouseClick(view.banner.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(server_boxes(other, dataset, image_id)) == 2, timeout=UI_TIMEOUT_MS)
    assert not view.banner.isVisible()
    assert other.get_annotations(dataset, image_id).revision == 3


def test_zoom_to_cursor_pan_and_fit(qtbot: QtBot, window: MainWindow, dataset: str) -> None:
    view = annotate(qtbot, window, dataset)
    canvas = view.canvas
    fitted = canvas.scale_factor
    spot = point(view, 480, 120)
    wheel = QWheelEvent(
        QPointF(spot),
        QPointF(canvas.viewport().mapToGlobal(spot)),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert canvas.scale_factor == pytest.approx(fitted * 1.0015**240, rel=1e-3)
    under = canvas.mapToScene(spot)
    assert abs(under.x() - 480) < 2 and abs(under.y() - 120) < 2  # the point under the cursor stays put

    before = canvas.mapToScene(canvas.viewport().rect().center())
    QTest.keyPress(canvas, Qt.Key.Key_Space)
    drag(view, (300, 300), (250, 260))
    QTest.keyRelease(canvas, Qt.Key.Key_Space)
    after = canvas.mapToScene(canvas.viewport().rect().center())
    assert after.x() > before.x() + 20 and after.y() > before.y() + 20  # the image moved with the hand
    assert view.model is not None and view.model.boxes == ()  # panning drew nothing
    key(view, Qt.Key.Key_F)
    assert canvas.scale_factor == pytest.approx(fitted)


def test_cheat_sheet_remapped_shortcuts_and_resuming_the_last_dataset(
    qtbot: QtBot, window: MainWindow, dataset: str, backend: EmbeddedBackend
) -> None:
    view = annotate(qtbot, window, dataset)
    model = view.model
    assert model is not None
    key(view, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    assert view.cheat_sheet is not None and view.cheat_sheet.isVisible()
    view.cheat_sheet.close()

    view.shortcuts.set_keys("next", ("L",))
    view.shortcuts.save()
    view.bind_shortcuts()
    key(view, Qt.Key.Key_D)  # no longer bound
    key(view, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: model.row == 1, timeout=UI_TIMEOUT_MS)
    assert ShortcutMap.load().keys("next") == ("L",)

    view.stop()  # as when the window closes
    again = open_window(qtbot, backend.target)  # the app started again: Annotate resumes the dataset
    try:
        resumed = again.views["Annotate"]
        assert isinstance(resumed, AnnotateView)
        qtbot.waitUntil(lambda: resumed.model is not None and resumed.model.dataset == dataset, timeout=UI_TIMEOUT_MS)
        assert resumed.shortcuts.keys("next") == ("L",)
    finally:
        close_window(again)
