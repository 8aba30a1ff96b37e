"""What the annotation view-models need from the world, as protocols: the backend's Datasets calls, a
way to run a call in the background and get the answer back on the UI thread, and timers.

The Qt layer passes the real ``Connection`` (through the session's thread pool) and ``QTimer``; tests
pass an in-memory backend, a runner that calls inline or on demand, and a manual clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from protos.omni.v1 import datasets_pb2

T = TypeVar("T")

# The error codes after which a save may be retried as it is: the backend was not reached, did not answer,
# was busy, or did not take our token (the user reconnects with another).
OFFLINE_CODES = frozenset(
    {"UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "UNKNOWN", "RESOURCE_EXHAUSTED", "UNAUTHENTICATED"}
)


class DatasetsApi(Protocol):
    """The ``Connection`` methods the Annotate view calls."""

    def get_dataset(self, name: str) -> datasets_pb2.Dataset: ...

    def list_images(
        self, dataset: str, *, status: int = 0, page_size: int = 200, page_token: str = "", order_by: str = ""
    ) -> datasets_pb2.ListImagesResponse: ...

    def get_image(self, dataset: str, image_id: str, max_side: int = 0) -> datasets_pb2.ImageData: ...

    def get_annotations(self, dataset: str, image_id: str) -> datasets_pb2.Annotations: ...

    def save_annotations(
        self,
        dataset: str,
        image_id: str,
        *,
        base_revision: int,
        boxes: Iterable[datasets_pb2.Box],
        status: int = 0,
        editor: str = "",
        client_edit_id: str = "",
    ) -> datasets_pb2.Annotations: ...


class Runner(Protocol):
    """Runs ``call(api)`` off the UI thread; exactly one of the callbacks later runs on the UI thread."""

    def run(
        self,
        call: Callable[[Any], Any],
        on_result: Callable[[Any], object],
        on_error: Callable[[BaseException], object],
    ) -> None: ...


class Timer(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """``call_later(seconds, callback)`` runs ``callback`` on the UI thread after ``seconds``."""

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Timer: ...


def error_code(error: BaseException) -> str:
    """The gRPC status name of a ``BackendError`` (duck-typed), else ``"INTERNAL"``."""
    code = getattr(error, "code", None)
    return code if isinstance(code, str) else "INTERNAL"


def is_offline(error: BaseException) -> bool:
    return error_code(error) in OFFLINE_CODES


class InlineRunner:
    """Calls at once on the caller's thread: for scripts, child processes and simple tests."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def run(
        self,
        call: Callable[[Any], Any],
        on_result: Callable[[Any], object],
        on_error: Callable[[BaseException], object],
    ) -> None:
        try:
            result = call(self.api)
        except Exception as error:  # noqa: BLE001 - delivered to the caller's callback
            on_error(error)
            return
        on_result(result)


class ManualClock:
    """A ``Scheduler`` whose time moves only when told: ``advance(seconds)`` runs what falls due, in order."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[_ManualTimer] = []

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Timer:
        timer = _ManualTimer(self.now + max(0.0, seconds), callback)
        self._timers.append(timer)
        return timer

    def advance(self, seconds: float = 0.0) -> None:
        end = self.now + seconds
        while True:
            due = [t for t in self._timers if not t.cancelled and t.due <= end]
            if not due:
                break
            timer = min(due, key=lambda t: t.due)
            self._timers.remove(timer)
            self.now = max(self.now, timer.due)
            timer.callback()
        self._timers = [t for t in self._timers if not t.cancelled]
        self.now = end

    @property
    def waiting(self) -> int:
        return sum(1 for t in self._timers if not t.cancelled)


class _ManualTimer:
    def __init__(self, due: float, callback: Callable[[], object]) -> None:
        self.due = due
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
