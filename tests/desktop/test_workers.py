"""The worker helpers: results come back on the UI thread; a blocked stream stops at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from pytestqt.qtbot import QtBot

from desktop.qt.workers import StreamWorker, TaskRunner


def test_task_result_and_error_arrive_on_the_ui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    results: list[tuple[object, bool]] = []
    runner.run(
        lambda: threading.current_thread().name,
        on_result=lambda name: results.append((name, threading.current_thread() is threading.main_thread())),
    )

    def boom() -> None:
        raise ValueError("bad input")

    runner.run(
        boom,
        on_error=lambda error: results.append((str(error), threading.current_thread() is threading.main_thread())),
    )
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    by_kind = dict(results)
    assert "bad input" in by_kind and by_kind["bad input"] is True
    worker_name = next(name for name in by_kind if name != "bad input")
    assert worker_name != threading.main_thread().name and by_kind[worker_name] is True
    assert runner.shutdown(2000)


def test_stream_items_arrive_in_batches_in_order(qtbot: QtBot) -> None:
    received: list[int] = []
    finished: list[object] = []
    worker = StreamWorker(lambda should_stop: iter(range(500)))
    worker.items.connect(received.extend)
    worker.finished.connect(finished.append)
    worker.start()
    qtbot.waitUntil(lambda: finished == [None], timeout=5000)
    assert received == list(range(500))


def test_stream_error_is_reported_once(qtbot: QtBot) -> None:
    def failing(should_stop: Callable[[], bool]) -> Iterator[int]:
        yield 1
        raise RuntimeError("stream broke")

    received: list[int] = []
    finished: list[object] = []
    worker = StreamWorker(failing)
    worker.items.connect(received.extend)
    worker.finished.connect(finished.append)
    worker.start()
    qtbot.waitUntil(lambda: len(finished) == 1, timeout=5000)
    assert received == [1] and isinstance(finished[0], RuntimeError)


def test_stop_cancels_a_blocked_stream_promptly(qtbot: QtBot) -> None:
    release = threading.Event()

    def blocked(should_stop: Callable[[], bool]) -> Iterator[int]:
        yield 1
        release.wait(30)  # like a gRPC stream waiting for its next message
        if not should_stop():
            yield 2

    received: list[int] = []
    finished: list[object] = []
    worker = StreamWorker(blocked, cancel=release.set)
    worker.items.connect(received.extend)
    worker.finished.connect(finished.append)
    worker.start()
    qtbot.waitUntil(lambda: received == [1], timeout=5000)
    started = time.monotonic()
    assert worker.stop(wait_s=2)
    assert time.monotonic() - started < 1
    qtbot.waitUntil(lambda: finished == [None], timeout=2000)  # stopped is not an error
    assert received == [1]
