"""Annotate figures, measured in one run on this machine: ``python -m bench.annotate [--images N]``.

On a loopback backend (``omni serve`` child) with a generated dataset of N (10,000) small images,
imported in place (an ``import_dataset`` job), through the real desktop view (offscreen Qt unless
``QT_QPA_PLATFORM`` says otherwise):

1. open the dataset and show the first image (view asked -> image on the canvas, painted);
2. next image when prefetched (median, p95) and when not (a jump to an image not in the cache);
3. box drag frame time on a 12-megapixel image: mouse-move events on the view, each followed by the
   repaint it causes (median, p95), for drawing, moving and resizing a box.

``--workdir DIR`` keeps the generated images and the workspace in DIR, and reuses them when run again.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PIL import Image

from desktop.client import Connection
from desktop.client.embedded import EmbeddedBackend
from protos.omni.v1 import jobs_pb2

SMALL = (320, 240)
BIG = (4000, 3000)
PREFETCHED_STEPS = 200
COLD_JUMPS = 60


def generate(folder: Path, count: int) -> float:
    """``count`` distinct small JPEGs: one base picture with a per-index block and tint."""
    began = time.perf_counter()
    width, height = SMALL
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack(
        [120 + 80 * np.sin(xx / 37.0), 120 + 80 * np.cos(yy / 23.0), 120 + 60 * np.sin((xx + yy) / 50.0)], -1
    )
    for index in range(count):
        pixels = base.copy()
        x, y = (index * 37) % (width - 40), (index * 53) % (height - 40)
        pixels[y : y + 40, x : x + 40] = [(index * 7) % 255, (index * 13) % 255, (index * 29) % 255]
        pixels[0, :16, :] = [[255 * ((index >> bit) & 1)] * 3 for bit in range(16)]  # the index, in bits
        sub = folder / f"{index // 1000:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(sub / f"img_{index:05d}.jpg", quality=80)
    return time.perf_counter() - began


def big_image(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    small = rng.integers(60, 200, size=(BIG[1] // 50, BIG[0] // 50, 3), dtype=np.uint8)
    Image.fromarray(small).resize(BIG, Image.Resampling.BICUBIC).save(path, quality=90)


def import_folder(connection: Connection, path: Path, name: str) -> float:
    spec = jobs_pb2.JobSpec()
    spec.import_dataset.path, spec.import_dataset.format, spec.import_dataset.name = str(path), "images", name
    began = time.perf_counter()
    job = connection.submit(spec)
    for _event in connection.follow_job(job.id):
        pass
    final = connection.get_job(job.id)
    if final.state != jobs_pb2.JOB_STATE_SUCCEEDED:
        raise SystemExit(f"importing {path} failed: {final.message}")
    return time.perf_counter() - began


def stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms   (n={len(values)})"


def line(label: str, value: str) -> None:
    print(f"  {label:<46} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the images and workspace here")
    args = parser.parse_args()

    root = args.workdir or Path(tempfile.mkdtemp(prefix="omni-bench-annotate-"))
    reuse = (root / "workspace").is_dir()
    os.environ["OMNI_STATE_DIR"] = str(root / "state")
    os.environ["OMNI_CONFIG_DIR"] = str(root / "config")
    platform = os.environ["QT_QPA_PLATFORM"]
    print(f"Annotate bench: {args.images:,} images of {SMALL[0]}x{SMALL[1]}, {os.cpu_count()} CPUs, Qt {platform}")
    if not reuse:
        line(f"generate {args.images:,} JPEGs (Pillow)", f"{generate(root / 'images', args.images):7.2f} s")
        big_image(root / "big" / "big.jpg")
    backend = EmbeddedBackend.start(root / "workspace")
    try:
        with Connection(backend.target) as connection:
            connection.wait_ready(10)
            if not reuse:
                seconds = import_folder(connection, root / "images", "bench")
                rate = f"{seconds:7.2f} s ({args.images / seconds:,.0f} images/s)"
                line("import in place (import_dataset job)", rate)
                import_folder(connection, root / "big", "bench-12mp")
        ViewBench(backend, args.moves).run()
    finally:
        backend.stop()


class ViewBench:
    """The desktop's Annotate view in this process, on the bench backend."""

    def __init__(self, backend: EmbeddedBackend, moves: int) -> None:
        from desktop.qt.app import create_app
        from desktop.qt.main_window import MainWindow
        from desktop.qt.session import Session
        from desktop.qt.views import ViewSpec
        from desktop.qt.views.annotate import AnnotateView

        self.moves = moves
        self.app = create_app()
        self.session = Session()
        self.window = MainWindow(self.session, views=[ViewSpec("Annotate", AnnotateView)])
        self.window.resize(1440, 900)
        self.window.show()
        self.session.connect_to(backend.target)
        self.pump(lambda: self.session.connection_model.connected)
        view = self.window.views["Annotate"]
        assert isinstance(view, AnnotateView)
        self.view = view
        self.canvas = view.canvas

    def pump(self, done: Callable[[], bool], timeout_s: float = 30.0) -> None:
        deadline = time.perf_counter() + timeout_s
        while not done():
            self.app.processEvents()
            if time.perf_counter() > deadline:
                raise SystemExit("timed out waiting for the view")
            time.sleep(0.0005)

    def shown(self) -> bool:
        model = self.view.model
        return (
            model is not None
            and model.current_image is not None
            and (self.canvas.image_item.image is model.current_image)
        )

    def timed_show(self, action: Callable[[], object]) -> float:
        """From ``action`` to the image on the canvas, painted."""
        began = time.perf_counter()
        action()
        self.pump(self.shown)
        self.canvas.viewport().repaint()
        return time.perf_counter() - began

    def run(self) -> None:
        first = self.timed_show(lambda: self.view.open_dataset("bench"))
        model = self.view.model
        assert model is not None
        line(f"open dataset -> first image painted ({model.images.total:,})", f"{first * 1000:7.1f} ms")
        self.navigation(model)
        self.drags()
        self.window.close()
        self.session.shutdown(stop_backend=False)

    def navigation(self, model: Any) -> None:
        def prefetched_around() -> bool:
            row = model.row or 0
            infos = [model.images.info(r) for r in range(row + 1, row + 1 + model.prefetch_ahead)]
            return all(i is None or (i.image_id in model.cache and i.image_id in model.docs) for i in infos)

        steps = []
        for _ in range(PREFETCHED_STEPS):
            self.pump(prefetched_around)
            steps.append(self.timed_show(model.next))
        line("next image, prefetched", stats(steps))

        model.images.ensure(model.images.total - 1)
        self.pump(lambda: model.images.complete)
        rows = np.random.default_rng(1).choice(
            np.arange(min(300, model.images.total // 2), model.images.total - 10), size=COLD_JUMPS, replace=False
        )
        jumps = []
        for row in rows:
            model.cache.clear()  # not prefetched: fetched from the backend and decoded now
            jumps.append(self.timed_show(functools.partial(model.go_to, int(row))))
        line("next image, not prefetched (a cold jump)", stats(jumps))

    def drags(self) -> None:
        from PySide6.QtCore import QPoint, QPointF, Qt
        from PySide6.QtTest import QTest

        self.view.open_dataset("bench-12mp")
        self.pump(lambda: self.shown() and self.view.model is not None and self.view.model.editable)
        big = self.view.model
        assert big is not None
        while big.boxes:  # an earlier run's (with --workdir)
            big.select(0)
            big.delete_selected()
        canvas, viewport = self.canvas, self.canvas.viewport()
        canvas.fit()
        self.app.processEvents()
        viewport.repaint()  # the image's device cache is made here, not in the first measured frame
        painted = _paint_counter(viewport)

        def at(x: float, y: float) -> QPoint:
            return canvas.mapFromScene(QPointF(x, y))

        def frames(start: QPoint, step: Callable[[int], QPoint]) -> list[float]:
            painted.count = 0
            QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
            times = []
            for index in range(1, self.moves + 1):
                began = time.perf_counter()
                QTest.mouseMove(viewport, step(index))
                self.app.processEvents()  # the repaint the move caused
                times.append(time.perf_counter() - began)
            end = step(self.moves)
            QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
            self.app.processEvents()
            if painted.count < self.moves * 0.9:
                raise SystemExit(f"{painted.count} repaints for {self.moves} moves: the figures would mean nothing")
            return times

        drawn = frames(at(800, 600), lambda i: at(800 + i * 6, 600 + i * 4))
        line("12 MP: drawing a box (move + repaint)", stats(drawn))
        big.select(0)
        self.app.processEvents()
        moved = frames(at(1200, 800), lambda i: at(1200 + (i % 100) * 8, 800 + (i % 100) * 5))
        line("12 MP: moving a box (move + repaint)", stats(moved))
        _left, _top, right, bottom = canvas.items_[0].rect
        resized = frames(at(right, bottom), lambda i: at(right + (i % 100) * 6, bottom + (i % 100) * 4))
        line("12 MP: resizing a box (move + repaint)", stats(resized))
        canvas.zoom_by(2.5)
        self.app.processEvents()
        zoomed = frames(at(1300, 900), lambda i: at(1300 + (i % 100) * 3, 900 + (i % 100) * 2))
        line(f"12 MP at {canvas.scale_factor * 100:.0f}%: moving a box", stats(zoomed))
        canvas_size = f"{viewport.width()}x{viewport.height()}"
        print(f"  (a frame at 60 Hz is 16.7 ms; image {BIG[0]}x{BIG[1]}, canvas {canvas_size})")


def _paint_counter(widget: Any) -> Any:
    """Counts ``widget``'s paint events: proof that each measured move was also drawn."""
    from PySide6.QtCore import QEvent, QObject

    class PaintCounter(QObject):
        def __init__(self) -> None:
            super().__init__(widget)
            self.count = 0
            widget.installEventFilter(self)

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    return PaintCounter()


if __name__ == "__main__":
    main()
