"""Small datasets on a real backend for the Annotate and Datasets view tests: images made with Pillow,
uploaded through the real ``Connection``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desktop.client import BackendTarget, Connection
from desktop.models.annotate.boxes import Box
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from desktop.qt.views import ViewSpec
from desktop.qt.views.annotate import AnnotateView
from desktop.qt.views.datasets import DatasetsView

WIDTH, HEIGHT = 640, 480
UI_TIMEOUT_MS = 15_000


def write_images(folder: Path, count: int, *, size: tuple[int, int] = (WIDTH, HEIGHT), seed: int = 0) -> list[Path]:
    """``count`` distinct PNGs (a gradient and a few blobs, different per index)."""
    folder.mkdir(parents=True, exist_ok=True)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    paths = []
    for index in range(count):
        rng = np.random.default_rng(seed * 10_000 + index)
        phase = rng.uniform(0, 6.28, 3)
        pixels = np.stack([110 + 70 * np.sin(xx / (90 + 20 * c) + phase[c] + yy / 200) for c in range(3)], -1)
        for _ in range(3):
            x, y, r = int(rng.integers(0, width)), int(rng.integers(0, height)), int(rng.integers(10, 60))
            pixels[max(0, y - r) : y + r, max(0, x - r) : x + r] *= 0.5
        path = folder / f"img_{index:04d}.png"
        Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(path, compress_level=1)
        paths.append(path)
    return paths


def make_dataset(connection: Connection, name: str, images: list[Path], classes: tuple[str, ...] = ()) -> list[str]:
    """Create ``name`` with ``images``; their image ids in upload order."""
    connection.create_dataset(name, classes)
    results = connection.upload_images(name, [(path, path.name) for path in images])
    assert all(not r.error for r in results), [r.error for r in results if r.error]
    return [r.image_id for r in results]


def open_window(qtbot: QtBot, target: BackendTarget) -> MainWindow:
    session = Session()
    window = MainWindow(session, views=[ViewSpec("Annotate", AnnotateView), ViewSpec("Datasets", DatasetsView)])
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=UI_TIMEOUT_MS)  # shortcuts need an active window
    session.connect_to(target)
    qtbot.waitUntil(lambda: session.connection_model.connected, timeout=UI_TIMEOUT_MS)
    return window


def close_window(window: MainWindow) -> None:
    window.close()
    window.session.shutdown(stop_backend=False)


def annotate(qtbot: QtBot, window: MainWindow, dataset: str) -> AnnotateView:
    view = window.show_view("Annotate")
    assert isinstance(view, AnnotateView)
    view.open_dataset(dataset)
    model = view.model
    assert model is not None
    qtbot.waitUntil(lambda: model.current_image is not None and model.editable, timeout=UI_TIMEOUT_MS)
    assert view.canvas.image_size == (WIDTH, HEIGHT)
    return view


def point(view: AnnotateView, x: float, y: float) -> QPoint:
    """Image pixels -> the canvas viewport's coordinates."""
    return view.canvas.mapFromScene(QPointF(x, y))


def drag(view: AnnotateView, start: tuple[float, float], end: tuple[float, float], steps: int = 4) -> None:
    viewport = view.canvas.viewport()
    a, b = point(view, *start), point(view, *end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for step in range(1, steps + 1):
        QTest.mouseMove(viewport, a + (b - a) * step / steps)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def key(view: AnnotateView, name: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(view.canvas, name, modifiers)


def pixels(box: Box) -> tuple[float, float, float, float]:
    left, top, right, bottom = box.edges
    return left * WIDTH, top * HEIGHT, right * WIDTH, bottom * HEIGHT


def close_to(actual: tuple[float, ...], expected: tuple[float, ...], tolerance: float = 3.0) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))
